public import Foundation

/// Converts between formats with libsndfile (and libsamplerate when the rate changes; LAME for MP3), block by block,
/// never holding the whole recording.
public enum AudioTranscoder {
    /// Writes `source` to `destination` in `format`. Keeps the channels; keeps the rate unless `sampleRate` asks
    /// for another; copies only `frames` of the source when given. Returns the frames written.
    @discardableResult
    public static func transcode(
        _ source: URL, to destination: URL, format: AudioFormat, sampleRate: Int? = nil, frames: Range<Int64>? = nil
    ) throws(AudioError) -> Int64 {
        let input = try AudioFile(reading: source)
        let rate = sampleRate ?? input.sampleRate
        let output: any AudioSink =
            format == .mp3
            ? try MP3Encoder(writing: destination, sampleRate: rate, channels: input.channels)
            : try AudioFile(writing: destination, format: format, sampleRate: rate, channels: input.channels)
        let resampler = rate == input.sampleRate ? nil : try Resampler(from: input.sampleRate, to: rate, channels: input.channels)
        var total: Int64 = 0
        let write = { (block: UnsafeBufferPointer<Float>, count: Int) throws(AudioError) in
            try output.write(block, frames: count)
            total += Int64(count)
        }
        try input.forEachBlock(frames: frames) { (block, count) throws(AudioError) in
            if let resampler {
                try resampler.process(block, frames: count, endOfInput: false, emit: write)
            } else {
                try write(block, count)
            }
        }
        try resampler?.process(UnsafeBufferPointer(start: nil, count: 0), frames: 0, endOfInput: true, emit: write)
        try output.finish()
        return total
    }
}

extension AudioTranscoder {
    /// The size of `frames` written as MP3, known before encoding: LAME runs at a constant bitrate.
    public static func expectedMP3Bytes(frames: Int64, sampleRate: Int, channels: Int) -> Int64 {
        guard sampleRate > 0 else { return 0 }
        let kilobits = Int64(MP3Encoder.kilobitsPerSecond(sampleRate: sampleRate, channels: channels))
        return frames * kilobits * 125 / Int64(sampleRate)
    }
}

extension AudioFile {
    /// Reads `frames` (or everything from the current position) in blocks of interleaved floats, calling `body`
    /// with each block and its frame count. The one read loop every streaming consumer shares.
    public func forEachBlock(
        frames range: Range<Int64>? = nil, blockFrames: Int = 4096,
        _ body: (UnsafeBufferPointer<Float>, Int) throws(AudioError) -> Void
    ) throws(AudioError) {
        if let range { try seek(toFrame: range.lowerBound) }
        var remaining: Int64 = range.map { $0.upperBound - $0.lowerBound } ?? .max
        var buffer = [Float](repeating: 0, count: blockFrames * channels)
        while remaining > 0 {
            let want = Int(min(Int64(blockFrames), remaining))
            let read = try buffer.withUnsafeMutableBufferPointer { (pointer) throws(AudioError) -> Int in
                try self.read(into: UnsafeMutableBufferPointer(rebasing: pointer[0..<(want * channels)]))
            }
            if read == 0 { break }
            try buffer.withUnsafeBufferPointer { (pointer) throws(AudioError) in try body(pointer, read) }
            remaining -= Int64(read)
        }
    }
}
