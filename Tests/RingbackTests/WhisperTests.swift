import Foundation
import RingbackAudio
import RingbackTesting
import RingbackWhisper
import Testing

@testable import Ringback

/// The offline engine on real recorded speech with the model `make deps` installs: nothing here is synthesised
/// except the audio that must yield no words.
@Suite(.oneDecodeAtATime) struct WhisperTests {
    /// One model for the suite: its decodes queue behind one another as in production, instead of five models
    /// fighting over two cores. One thread, so the rest of the suite (timing-sensitive stand-ins) keeps a core.
    static let shared = WhisperTranscriber(modelPath: RealSpeech.modelPath, options: WhisperOptions(language: "en", threads: 1))
    var engine: WhisperTranscriber { Self.shared }

    @Test func aRealTelephonePromptComesBackWordForWord() async throws {
        let url = URL(fileURLWithPath: RealSpeech.leaveMessage)
        let probe = try AudioProbe(url: url)
        #expect(probe.sampleRate == 8000)
        let transcript = try await engine.transcribe(url, probe: probe)
        #expect(
            RealSpeech.words(transcript.text)
                == ["please", "leave", "your", "message", "after", "the", "tone", "when", "done", "hang", "up", "or", "press", "the", "pound", "key"],
            "\(transcript.text)")
        #expect(transcript.engine == "whisper:base-q8_0")
        #expect(!transcript.isOfflineDraft)
        let confidence = try #require(transcript.confidence)
        #expect(confidence > TranscriptionConfig.defaultMinConfidence)
        // Timed segments inside the recording, in order.
        let seconds = Double(probe.durationMilliseconds) / 1000
        #expect(!transcript.segments.isEmpty)
        for segment in transcript.segments {
            #expect(0 <= segment.start && segment.start < segment.end && segment.end <= seconds + 0.5, "\(segment)")
        }
        for (left, right) in zip(transcript.segments, transcript.segments.dropFirst()) {
            #expect(left.end <= right.start + 0.01)
        }
    }

    @Test func theSamePromptAsWAV49GSMKeepsItsWords() async throws {
        let folder = try TemporaryDirectory("whisper")
        let gsm = try folder.path("intro.wav")
        try AudioTranscoder.transcode(URL(fileURLWithPath: RealSpeech.leaveMessage), to: gsm, format: .wav49)
        let probe = try AudioProbe(url: gsm)
        #expect(probe.format == .wav49)
        let words = RealSpeech.words(try await engine.transcribe(gsm, probe: probe).text)
        for word in ["leave", "message", "tone", "hang", "pound", "key"] { #expect(words.contains(word), "\(words)") }
    }

    @Test func theLanguageIsDetectedAndRecordedWhenAskedToDetectIt() async throws {
        let auto = WhisperTranscriber(modelPath: RealSpeech.modelPath, options: WhisperOptions(language: "auto", threads: 1))
        let url = URL(fileURLWithPath: RealSpeech.leaveMessage)
        let transcript = try await auto.transcribe(url, probe: try AudioProbe(url: url))
        #expect(transcript.language == "en")
        #expect(RealSpeech.words(transcript.text).contains("message"))
    }

    /// Thirty seconds of dense real speech: the model's no-speech probability for this window reads 0.71, so it must
    /// never decide alone (it once turned this voicemail into a missed call).
    @Test func aDenseMessageIsNeverMistakenForNoSpeech() async throws {
        let folder = try TemporaryDirectory("whisper")
        let names = [
            "activated", "added", "agent-alreadyon", "agent-incorrect", "agent-loggedoff", "agent-loginok", "agent-newlocation", "agent-pass", "agent-user",
        ]
        let url = try RealSpeech.concatenated(names.map { RealSpeech.folder + "/\($0).wav" }, to: try folder.path("dense.wav"))
        let words = RealSpeech.words(try await engine.transcribe(url, probe: try AudioProbe(url: url)).text)
        #expect(words.filter { $0 == "agent" }.count >= 4, "\(words)")
        #expect(words.contains("pound"))
    }

    @Test(arguments: NonSpeech.allCases)
    func audioWithoutSpeechGivesNoWords(_ kind: NonSpeech) async throws {
        let folder = try TemporaryDirectory("whisper")
        let url = try AudioFixture.write(try folder.path("\(kind).wav"), seconds: 20, signal: kind.signal)
        let transcript = try await engine.transcribe(url, probe: try AudioProbe(url: url))
        #expect(transcript.text.isEmpty, "\(kind): \(transcript.text)")
        #expect(transcript.segments.isEmpty)
    }

    @Test func aMissingModelIsNamedWithWhatToDo() async throws {
        let missing = WhisperTranscriber(modelPath: "/nonexistent/ggml-base-q8_0.bin")
        await #expect {
            try await missing.prepare()
        } throws: { error in
            let message = (error as? TranscriptionError)?.message ?? ""
            return message.contains("/nonexistent/ggml-base-q8_0.bin") && message.contains("make deps")
        }
    }

    @Test(arguments: [("random", 4096), ("truncated", 1_000_000)])
    func aCorruptModelIsNamedAndRefused(_ kind: String, bytes: Int) async throws {
        let folder = try TemporaryDirectory("whisper")
        let path = try folder.path("ggml-\(kind).bin").path
        if kind == "random" {
            try Data((0..<bytes).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: path))
        } else {  // the real model cut short, as an interrupted copy leaves it
            let handle = try #require(FileHandle(forReadingAtPath: RealSpeech.modelPath))
            try #require(try handle.read(upToCount: bytes)).write(to: URL(fileURLWithPath: path))
        }
        let corrupt = WhisperTranscriber(modelPath: path)
        await #expect {
            try await corrupt.prepare()
        } throws: { error in
            (error as? TranscriptionError)?.message.contains(path) == true
        }
    }

    @Test func cancellingStopsADecodeMidway() async throws {
        // 30 s of continuous speech: decoding it takes seconds, so a cancel a moment in lands mid-decode. An engine of
        // its own, so the cancel cannot land while it waits for another test's decode.
        let url = URL(fileURLWithPath: RealSpeech.congratulations)
        let probe = try AudioProbe(url: url)
        let engine = WhisperTranscriber(modelPath: RealSpeech.modelPath, options: WhisperOptions(language: "en", threads: 1))
        try await engine.prepare()
        let task = Task { try await engine.transcribe(url, probe: probe) }
        try await Task.sleep(for: .milliseconds(700))
        task.cancel()
        // Only whisper.cpp's abort callback ends a decode in `.cancelled`; a decode that ran to its end returns text.
        await #expect {
            try await task.value
        } throws: { error in
            (error as? TranscriptionError)?.code == .cancelled
        }
        // The engine is free again and decodes the next voicemail.
        let next = try await engine.transcribe(
            URL(fileURLWithPath: RealSpeech.leaveMessage), probe: try AudioProbe(url: URL(fileURLWithPath: RealSpeech.leaveMessage)))
        #expect(RealSpeech.words(next.text).contains("message"))
    }
}

@Suite struct HallucinationFilterTests {
    func segment(_ text: String, _ start: Double, _ end: Double) -> WhisperResult.Segment {
        WhisperResult.Segment(start: start, end: end, text: text, noSpeechProbability: 0, tokens: [.init(text: text, probability: 0.9)])
    }

    @Test func aSentenceLoopedInsideOneSegmentOrAcrossSegmentsIsDropped() {
        let inside = segment(String(repeating: "I'm going to go back to the next one. ", count: 9), 0, 20)
        #expect(HallucinationFilter.withoutLoops([inside]).isEmpty)
        let across = (0..<4).map { segment("I'm going to start with the first one.", Double($0) * 2, Double($0) * 2 + 2) }
        #expect(HallucinationFilter.withoutLoops(across).isEmpty)
        // What whisper wrote over -35 dBFS white noise at 9a278dd: the loop cut off mid-sentence by the token limit.
        let cutOff = segment(String(repeating: "I'm going to go back to the next one. ", count: 9) + "I'm going to go back to the", 0, 20)
        #expect(HallucinationFilter.withoutLoops([cutOff]).isEmpty)
        // At 1990f4e: the same loop written across segments, each sentence split in two.
        let split = (0..<20).map { segment($0 % 2 == 0 ? "I'm going to go back to the" : "next one.", Double($0), Double($0) + 1) }
        #expect(HallucinationFilter.withoutLoops(split).isEmpty)
        let thenSpeech = segment(String(repeating: "Hello? ", count: 3) + "This is Dana, call me back.", 0, 6)
        #expect(HallucinationFilter.withoutLoops([thenSpeech]).count == 1, "a real sentence after the repeats keeps the segment")
    }

    @Test func aCallerRepeatingTheirNumberTwiceIsKept() {
        let said = [segment("Call me at 555 0142.", 0, 3), segment("Call me at 555 0142.", 3, 6), segment("Thanks, bye.", 6, 8)]
        #expect(HallucinationFilter.withoutLoops(said).count == 3)
    }
}

/// Recordings a PBX leaves when nobody spoke: each must give no transcript at all.
enum NonSpeech: String, CaseIterable, Sendable, CustomStringConvertible {
    case digitalSilence, lineHiss, loudNoise, touchTones, holdMusic

    var description: String { rawValue }

    var signal: AudioFixture.Signal {
        switch self {
        case .digitalSilence: .silence
        case .lineHiss: .noise(amplitude: 0.01)
        case .loudNoise: .noise(amplitude: 0.1)
        case .touchTones: .dtmf("5551234#")
        case .holdMusic: .holdMusic()
        }
    }
}

@Suite(.oneDecodeAtATime) struct OfflineCardTests {
    @Test func aRealMessageGetsATrustedTranscriptOnTheCard() async throws {
        let harness = try Harness()
        let file = harness.spool.appendingPathComponent("intro.wav")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: RealSpeech.leaveMessage), to: file)
        let pipeline = try harness.pipeline(transcriber: WhisperTests.shared)
        let outcome = await pipeline.process(file)
        #expect(outcome.status == .notified, "\(outcome.detail)")
        let card = try String(contentsOf: try #require(try harness.cards().first), encoding: .utf8).replacingOccurrences(of: "=\r\n", with: "")
        #expect(card.contains("What they said"))
        #expect(card.contains("Please leave your message after the tone"))
        // The ledger keeps the language and the timed segments the card is made from.
        let record = try #require(try await LedgerStore.open(harness.config).voicemail(id: 1))
        #expect(record.transcriptLanguage == "en")
        #expect(record.transcriptSegments?.isEmpty == false)
        #expect(record.transcriptSegments?.allSatisfy { $0.end <= 6 } == true)
    }

    @Test func aLongMessageShowsWhereEachPartIsInTheRecording() async throws {
        let harness = try Harness()
        let file = harness.spool.appendingPathComponent("options.wav")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: RealSpeech.options), to: file)
        let outcome = await (try harness.pipeline(transcriber: WhisperTests.shared)).process(file)
        #expect(outcome.status == .notified, "\(outcome.detail)")
        let card = try String(contentsOf: try #require(try harness.cards().first), encoding: .utf8)
            .replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=3D", with: "=")
        // vm-options.wav: six sentences, "Press 1 …" at 0:00 to "Press star …" at 0:13.
        #expect(card.contains(#"tabular-nums">0:00</span> Press 1 to record your unavailable message."#), "\(card)")
        #expect(card.contains(#"tabular-nums">0:13</span> Press star to return to the main menu."#))
    }

    @Test func hangUpNoiseBecomesAMissedCallCardNeverATranscript() async throws {
        let harness = try Harness()
        let file = try AudioFixture.write(harness.spool.appendingPathComponent("hiss.wav"), seconds: 12, signal: .holdMusic())
        let pipeline = try harness.pipeline(transcriber: WhisperTests.shared)
        let outcome = await pipeline.process(file)
        #expect(outcome.status == .notified, "\(outcome.detail)")
        #expect(outcome.detail.contains("missed-call card"), "\(outcome.detail)")
        let card = try String(contentsOf: try #require(try harness.cards().first), encoding: .utf8)
        #expect(!card.contains("What they said"))
    }
}
