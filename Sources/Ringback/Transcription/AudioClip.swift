public import Foundation
public import RingbackAudio

/// The audio one engine request carries: a whole voicemail, or one part of a long one.
public struct AudioClip: Sendable {
    /// The file to send or read.
    public var url: URL
    public var format: AudioFormat
    public var sampleRate: Int
    /// The frames of `url` this clip covers (all of them unless the engine reads parts in place).
    public var frames: Range<Int64>
    /// Where the clip starts in the voicemail.
    public var offset: Duration
    public var duration: Duration
    /// 1-based position and count, for messages (`part 2 of 5`).
    public var part: Int
    public var parts: Int
    /// The voicemail's own file name without extension, for upload file names.
    public var name: String

    /// `voicemail.wav`, `voicemail-part2.wav`: the name an upload carries.
    public var filename: String {
        (parts > 1 ? "\(name)-part\(part)" : name) + "." + format.fileExtension
    }

    public var isWholeFile: Bool { parts == 1 }
}
