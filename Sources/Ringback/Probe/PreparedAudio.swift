public import Foundation
public import RingbackAudio

/// Audio in a form any decoder plays: the original when it already is, else a 16-bit PCM WAV in a temp file
/// that is removed when this value is released.
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

    /// Linear WAV, FLAC, MP3 and Ogg pass through; telephone codecs (GSM, µ-law, A-law, ADPCM) that web APIs
    /// and phones reject are converted with libsndfile, block by block.
    public static func widelyDecodable(_ source: URL, probe: AudioProbe) throws(AudioError) -> PreparedAudio {
        if AudioRequirements.Formats.widelyDecodable.accepts(probe.format) { return PreparedAudio(url: source, format: probe.format, isTemporary: false) }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("ringback-\(UUID().uuidString).wav")
        do throws(AudioError) {
            try AudioTranscoder.transcode(source, to: temporary, format: .pcm16WAV)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        return PreparedAudio(url: temporary, format: .pcm16WAV, isTemporary: true)
    }
}
