public import Foundation
public import RingbackAudio

/// The recording as the card carries it: the original, or a converted copy in a temp file that is removed when
/// this value is released.
public final class PreparedAudio: Sendable {
    public let url: URL
    public let format: AudioFormat
    private let isTemporary: Bool

    private init(url: URL, format: AudioFormat, isTemporary: Bool) {
        self.url = url
        self.format = format
        self.isTemporary = isTemporary
    }

    deinit {
        if isTemporary { try? FileManager.default.removeItem(at: url) }
    }

    /// Bytes on disk.
    public var size: Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// The attachment `mail.attach_audio` asks for; nil for `none`. MP3 (LAME) and WAV are
    /// converted block by block; a file already in the asked-for form is used as it is.
    public static func forMail(_ source: URL, probe: AudioProbe, as choice: MailConfig.AttachAudio) throws(AudioError) -> PreparedAudio? {
        switch choice {
        case .none: return nil
        case .original: return PreparedAudio(url: source, format: probe.format, isTemporary: false)
        case .mp3: return try converted(source, probe: probe, to: .mp3)
        case .wav: return try converted(source, probe: probe, to: .pcm16WAV)
        }
    }

    /// What the attachment will weigh, known before any conversion: the file's own size, or the length times the
    /// bytes per second of 16-bit PCM or of the constant-bitrate MP3. A recording too large to attach is then not
    /// converted at all.
    public static func expectedSize(_ source: URL, probe: AudioProbe, as choice: MailConfig.AttachAudio) -> Int64? {
        let onDisk = ((try? FileManager.default.attributesOfItem(atPath: source.path))?[.size] as? NSNumber)?.int64Value
        switch choice {
        case .none: return nil
        case .original: return onDisk
        case .wav: return probe.format == .pcm16WAV ? onDisk : probe.frames * Int64(probe.channels) * 2 + 44
        case .mp3:
            return probe.format == .mp3
                ? onDisk : AudioTranscoder.expectedMP3Bytes(frames: probe.frames, sampleRate: probe.sampleRate, channels: probe.channels)
        }
    }

    private static func converted(_ source: URL, probe: AudioProbe, to format: AudioFormat) throws(AudioError) -> PreparedAudio {
        if probe.format == format { return PreparedAudio(url: source, format: format, isTemporary: false) }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("ringback-\(UUID().uuidString).\(format.fileExtension)")
        do throws(AudioError) {
            try AudioTranscoder.transcode(source, to: temporary, format: format)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        return PreparedAudio(url: temporary, format: format, isTemporary: true)
    }
}
