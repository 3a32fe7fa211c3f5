public import Foundation

/// What a WAV file's RIFF header promises, read without libsndfile (which reads a short file without a word).
public struct WAVHeader: Sendable, Equatable {
    /// The RIFF chunk's size: the file's length less 8, as the header tells it.
    public let riffSize: UInt32
    /// Where the `data` chunk's audio starts, and how many bytes it says it holds.
    public let dataOffset: UInt64
    public let dataSize: UInt32

    /// The header of a RIFF/WAVE file, walking its chunks to `data` (within the first 64 KiB); nil for anything else.
    public init?(_ url: URL) {
        guard let handle = Self.openRegular(url) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 64 * 1024), head.count >= 12,
            head.prefix(4) == Data("RIFF".utf8), head[8..<12] == Data("WAVE".utf8)
        else { return nil }
        func size(at offset: Int) -> UInt32 {
            head[offset..<offset + 4].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        }
        riffSize = size(at: 4)
        var offset = 12
        while offset + 8 <= head.count {
            let size = size(at: offset + 4)
            if head[offset..<offset + 4] == Data("data".utf8) {
                dataOffset = UInt64(offset + 8)
                dataSize = size
                return
            }
            offset += 8 + Int(size) + Int(size & 1)
        }
        return nil
    }

    /// Opens `url` only if it is (or leads to) a regular file, without waiting: a FIFO named `x.wav`
    /// would block a plain open forever.
    static func openRegular(_ url: URL) -> FileHandle? {
        let descriptor = open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            return nil
        }
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// A RIFF or data size of 0xFFFFFFFF: the placeholder a recorder writes while streaming and fills in when it
    /// finishes. libsndfile reads such a file to its end without a word, but the recording may have been cut off.
    public var unfilledPlaceholder: String? {
        guard riffSize == .max || dataSize == .max else { return nil }
        return "the header's \(riffSize == .max ? "RIFF" : "data") size is 0xFFFFFFFF, the placeholder of a recorder that never finished the file"
            + " (it may have been cut off)"
    }

    /// The audio bytes the header promises that are not in a file of `fileSize` bytes yet (0 when all are there).
    /// A size of 0xFFFFFFFF promises nothing: it is the placeholder of a recorder that is streaming.
    public func missing(fileSize: UInt64) -> UInt64 {
        guard dataSize != .max else { return 0 }
        let end = dataOffset + UInt64(dataSize)
        return end > fileSize ? end - fileSize : 0
    }
}
