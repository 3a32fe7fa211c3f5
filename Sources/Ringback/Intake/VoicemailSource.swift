public import Foundation

/// One voicemail as the PBX stored it: the recording to read, the same message in other formats, and the intake
/// it came from (which says how to read its metadata).
public struct VoicemailSource: Sendable {
    /// The best recording of the message.
    public var audio: URL
    /// The same message in other formats, best first; tried when `audio` cannot be read.
    public var alternates: [URL]
    public var intake: IntakeConfig

    public init(audio: URL, alternates: [URL] = [], intake: IntakeConfig) {
        self.audio = audio
        self.alternates = alternates
        self.intake = intake
    }

    /// Every file that belongs to this message (audio in all formats and its sidecar), for archiving.
    public var files: [URL] {
        let sidecars = ["txt", "json"].map { audio.deletingPathExtension().appendingPathExtension($0) }
        return [audio] + alternates + sidecars.filter { FileManager.default.fileExists(atPath: $0.path) }
    }
}

extension IntakeConfig {
    /// The voicemail a file belongs to: it and the other formats of the same message beside it. A sidecar's
    /// path finds its recordings. Nil when no recording of that name is there.
    public func source(containing url: URL, owner: OwnerConfig) -> VoicemailSource? {
        let stem = url.deletingPathExtension().lastPathComponent
        let scanner = IntakeScanner(layout: layout)
        let entries = (try? FileManager.default.contentsOfDirectory(at: url.deletingLastPathComponent(), includingPropertiesForKeys: nil)) ?? []
        let files = entries.filter { $0.deletingPathExtension().lastPathComponent == stem && scanner.isCandidate($0) }
        return reader(owner: owner).sources(from: files).first
    }
}
