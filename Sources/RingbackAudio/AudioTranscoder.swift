public import Foundation

/// Converts between formats with libsndfile, block by block, never holding the whole recording.
public enum AudioTranscoder {
    /// Writes `source` to `destination` in `format`, keeping rate and channels. Returns frames written.
    @discardableResult
    public static func transcode(_ source: URL, to destination: URL, format: AudioFormat) throws(AudioError) -> Int64 {
        let input = try AudioFile(reading: source)
        let output = try AudioFile(writing: destination, format: format, sampleRate: input.sampleRate, channels: input.channels)
        let blockFrames = 4096
        var buffer = [Float](repeating: 0, count: blockFrames * input.channels)
        var total: Int64 = 0
        while true {
            let read = try buffer.withUnsafeMutableBufferPointer { (pointer) throws(AudioError) -> Int in
                try input.read(into: pointer)
            }
            if read == 0 { break }
            try buffer.withUnsafeBufferPointer { (pointer) throws(AudioError) in
                try output.write(pointer, frames: read)
            }
            total += Int64(read)
        }
        return total
    }
}
