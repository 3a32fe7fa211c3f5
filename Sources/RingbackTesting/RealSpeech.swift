public import Foundation
import RingbackAudio

/// Real recorded human speech for tests of the offline engine: Debian's `asterisk-core-sounds-en-wav` (Allison
/// Smith's prompts, 8 kHz 16-bit PCM, the voice callers hear on Asterisk systems), and the model `make deps`
/// installs. Never synthesis: a speech model must be judged on the kind of audio it will get.
public enum RealSpeech {
    public static let folder = "/usr/share/asterisk/sounds/en"

    /// "Please leave your message after the tone. When done, hang up or press the pound key." (5.7 s)
    public static let leaveMessage = folder + "/vm-intro.wav"
    /// "Press 1 to record your unavailable message, press 2 to record your busy message, …" (16.4 s)
    public static let options = folder + "/vm-options.wav"
    /// The Asterisk demo's welcome, 30 s of continuous speech.
    public static let congratulations = folder + "/demo-congrats.wav"

    /// `recording` played `times` over into one 16-bit WAV at `url`: a long real voicemail.
    @discardableResult
    public static func repeated(_ recording: String, times: Int, to url: URL) throws -> URL {
        try concatenated(Array(repeating: recording, count: times), to: url)
    }

    /// The recordings one after another (all 8 kHz mono) into one 16-bit WAV at `url`.
    @discardableResult
    public static func concatenated(_ recordings: [String], to url: URL) throws -> URL {
        let output = try AudioFile(writing: url, format: .pcm16WAV, sampleRate: 8000, channels: 1)
        for recording in recordings {
            let input = try AudioFile(reading: URL(fileURLWithPath: recording))
            try input.forEachBlock(frames: 0..<input.declaredFrames) { (block, frames) throws(AudioError) in
                try output.write(block, frames: frames)
            }
        }
        return url
    }

    /// `models/ggml-base-q8_0.bin` in this checkout.
    public static var modelPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/ggml-base-q8_0.bin").path
    }

    /// The words of `text`, lowercased, without punctuation: what a test compares.
    public static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber && $0 != "'" }.map(String.init)
    }
}
