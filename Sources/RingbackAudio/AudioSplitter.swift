public import Foundation

/// Where to cut a recording that is longer than an engine takes: at the quietest moment near each limit, so a
/// word is not split in two. One streaming pass; memory does not grow with the recording.
public enum AudioSplitter {
    /// Frame ranges covering the whole file in order, none longer than `maxSeconds`. Each cut lies at the centre
    /// of the quietest 20 ms window in the last `searchSeconds` (at most a quarter of the limit) before the limit.
    public static func plan(_ url: URL, maxSeconds: Double, searchSeconds: Double = 5) throws(AudioError) -> [Range<Int64>] {
        let file = try AudioFile(reading: url)
        let rate = Double(file.sampleRate)
        let maxFrames = max(Int64(maxSeconds * rate), 1)
        let window = max(Int64(rate * 0.02), 1)
        let search = min(Int64(searchSeconds * rate), maxFrames / 4)

        var ranges: [Range<Int64>] = []
        var chunkStart: Int64 = 0
        var quietest: (energy: Float, cut: Int64)?
        var windowStart: Int64 = 0
        var windowEnergy: Float = 0
        var position: Int64 = 0

        func closeWindow() {
            let end = windowStart + window
            if end > chunkStart + maxFrames {
                // This window crosses the limit: cut at the quietest window seen in the search zone.
                let cut = quietest?.cut ?? (chunkStart + maxFrames)
                ranges.append(chunkStart..<cut)
                chunkStart = cut
                quietest = nil
            }
            if windowStart >= chunkStart + maxFrames - search, end <= chunkStart + maxFrames,
                windowEnergy <= (quietest?.energy ?? .infinity)
            {
                quietest = (windowEnergy, windowStart + window / 2)
            }
            windowStart = end
            windowEnergy = 0
        }

        let channels = file.channels
        try file.forEachBlock { (block, frames) in
            for frame in 0..<frames {
                var sum: Float = 0
                for channel in 0..<channels {
                    let sample = block[frame * channels + channel]
                    sum += sample * sample
                }
                windowEnergy += sum
                position += 1
                if position - windowStart == window { closeWindow() }
            }
        }
        // A last part-window can carry the tail past the limit: cut once more.
        if position - chunkStart > maxFrames {
            let cut = quietest?.cut ?? (chunkStart + maxFrames)
            ranges.append(chunkStart..<cut)
            chunkStart = cut
        }
        if position > chunkStart { ranges.append(chunkStart..<position) }
        return ranges
    }
}
