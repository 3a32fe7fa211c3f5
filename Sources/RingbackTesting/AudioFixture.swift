public import Foundation
public import RingbackAudio

/// Recordings generated for tests with the real libsndfile: tones, noise, silence, speech.
public enum AudioFixture {
    public enum Signal: Sendable {
        case sine(frequency: Double, amplitude: Double)
        case noise(amplitude: Double)
        case silence
    }

    /// Writes `seconds` of `signal` in `format` and returns the URL. Sets WAV INFO strings when given.
    @discardableResult
    public static func write(
        _ url: URL, format: AudioFormat = .pcm16WAV, sampleRate: Int = 8000, channels: Int = 1, seconds: Double = 2,
        signal: Signal = .sine(frequency: 440, amplitude: 0.5), info: [AudioFile.InfoKey: String] = [:]
    ) throws -> URL {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let file = try AudioFile(writing: url, format: format, sampleRate: sampleRate, channels: channels)
        for (key, value) in info { try file.setString(key, value) }
        let total = Int(seconds * Double(sampleRate))
        let block = 4096
        var buffer = [Float](repeating: 0, count: block * channels)
        var generator = SystemRandomNumberGenerator()
        var written = 0
        while written < total {
            let frames = min(block, total - written)
            for frame in 0..<frames {
                let t = Double(written + frame) / Double(sampleRate)
                let value: Double
                switch signal {
                case .sine(let frequency, let amplitude): value = amplitude * sin(2 * .pi * frequency * t)
                case .noise(let amplitude): value = Double.random(in: -amplitude...amplitude, using: &generator)
                case .silence: value = 0
                }
                for channel in 0..<channels { buffer[frame * channels + channel] = Float(value) }
            }
            try buffer.withUnsafeBufferPointer { try file.write($0, frames: frames) }
            written += frames
        }
        return url
    }

    /// Speech from espeak-ng, when it is installed, as 16-bit PCM WAV at espeak's own rate.
    public static func speech(_ text: String, to url: URL) throws -> URL? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/espeak-ng") else { return nil }
        let raw = url.deletingLastPathComponent().appendingPathComponent("espeak-\(UUID().uuidString).wav")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/espeak-ng")
        process.arguments = ["-w", raw.path, text]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        defer { try? FileManager.default.removeItem(at: raw) }
        try AudioTranscoder.transcode(raw, to: url, format: .pcm16WAV)
        return url
    }

    /// An Asterisk `msgNNNN.txt` sidecar as app_voicemail writes it.
    public static func asteriskSidecar(
        callerID: String = "\"Maria Lopez\" <+15551230000>", origtime: Int = 1_790_054_687,
        msgID: String? = "1790054687-00000006", duration: Int = 2, flag: String = "", extra: [String] = []
    ) -> String {
        var lines = [
            ";", "; Message Information file", ";", "[message]",
            "origmailbox=1001", "context=from-internal", "macrocontext=", "exten=1001", "rdnis=unknown", "priority=2",
            "callerchan=PJSIP/trunk-0000001a", "callerid=\(callerID)", "origdate=Tue Sep 22 05:24:47 AM UTC 2026",
            "origtime=\(origtime)", "category=",
        ]
        if let msgID { lines.append("msg_id=\(msgID)") }
        lines += ["flag=\(flag)", "duration=\(duration)"]
        return (lines + extra).joined(separator: "\n") + "\n"
    }
}
