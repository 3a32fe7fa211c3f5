public import Foundation
public import RingbackAudio

/// Recordings generated for tests with the real libsndfile: tones, noise, silence, speech.
public enum AudioFixture {
    public enum Signal: Sendable {
        case sine(frequency: Double, amplitude: Double)
        case noise(amplitude: Double)
        case silence
        /// Any waveform of time in seconds (DTMF, hold music), -1…1.
        case function(@Sendable (Double) -> Double)

        /// Touch-tone digits as a keypad sends them: 150 ms of each digit's two tones, 100 ms apart, repeated.
        public static func dtmf(_ digits: String, amplitude: Double = 0.3) -> Signal {
            let rows: [Character: (Double, Double)] = [
                "1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "4": (770, 1209), "5": (770, 1336), "6": (770, 1477),
                "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "*": (941, 1209), "0": (941, 1336), "#": (941, 1477),
            ]
            let pairs = digits.compactMap { rows[$0] }
            return .function { t in
                guard !pairs.isEmpty else { return 0 }
                let slot = Int(t / 0.25)
                guard t - Double(slot) * 0.25 < 0.15 else { return 0 }
                let (low, high) = pairs[slot % pairs.count]
                return amplitude * (sin(2 * .pi * low * t) + sin(2 * .pi * high * t)) / 2
            }
        }

        /// Hold music: a repeating arpeggio of chords with a few harmonics and a soft attack on each note.
        public static func holdMusic(amplitude: Double = 0.3) -> Signal {
            let notes = [261.63, 329.63, 392.0, 523.25, 220.0, 261.63, 329.63, 440.0, 174.61, 220.0, 261.63, 349.23, 196.0, 246.94, 293.66, 392.0]
            return .function { t in
                let index = Int(t / 0.25)
                let phase = t - Double(index) * 0.25
                let frequency = notes[index % notes.count]
                let bass = notes[(index / 4 * 4) % notes.count] / 2
                let envelope = min(1, phase / 0.02) * exp(-phase * 4)
                let tone = sin(2 * .pi * frequency * t) + 0.4 * sin(4 * .pi * frequency * t) + 0.2 * sin(6 * .pi * frequency * t)
                return amplitude * (0.6 * envelope * tone / 1.6 + 0.4 * sin(2 * .pi * bass * t))
            }
        }
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
                case .function(let wave): value = wave(t)
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
