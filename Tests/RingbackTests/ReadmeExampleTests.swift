import Foundation
import Ringback
import RingbackAudio
import RingbackTesting
import Testing

/// The README's configuration examples, parsed as written and run against loopback servers that implement each
/// engine's contract: an example an admin copies must work.
@Suite struct ReadmeExampleTests {
    /// The fenced block (```` ```yaml ````, or another `language`) after `<!-- tested: NAME -->` in the README.
    static func example(_ name: String, language: String = "yaml") throws -> String {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let marker = try #require(text.range(of: "<!-- tested: \(name) -->"))
        let fence = try #require(text.range(of: "```\(language)\n", range: marker.upperBound..<text.endIndex))
        let end = try #require(text.range(of: "```", range: fence.upperBound..<text.endIndex))
        return String(text[fence.upperBound..<end.lowerBound])
    }

    @Test func theWhisperThenOpenAIExampleUsesWhisperAndFallsBackToOpenAI() async throws {
        let whisper = try WhisperCppStandIn(transcript: "Whisper heard this.")
        defer { whisper.stop() }
        let openAI = try OpenAITranscriptionStandIn(apiKey: "sk-from-env", transcript: "OpenAI heard this.")
        defer { openAI.stop() }
        let block = try Self.example("whisper-then-openai")
            .replacingOccurrences(of: "http://127.0.0.1:8080/inference", with: whisper.url)
            .replacingOccurrences(of: "https://api.openai.com/v1/audio/transcriptions", with: openAI.url)
        let config = try PipelineConfig.parse(ConfigTests.minimal + "\n" + block, environment: ["OPENAI_API_KEY": "sk-from-env"])
        #expect(config.transcription.engines.map(\.kind) == [.whisperCpp, .openai])
        #expect(config.transcription.retry.attempts == 4)
        let chain = try #require(config.transcription.makeChain())

        let folder = try TemporaryDirectory("readme")
        let file = try AudioFixture.write(folder.url.appendingPathComponent("call.wav"), seconds: 2)
        let probe = try AudioProbe(url: file)
        let first = try await chain.transcribe(file, probe: probe)
        #expect(first.text == "Whisper heard this.")
        #expect(openAI.received.isEmpty)

        // The self-hosted server turns the request down: the cloud answers at once, with the key from the environment.
        whisper.enqueue(.respond(.text(400, WhisperCppStandIn.badRequestBody)))
        let second = try await chain.transcribe(file, probe: probe)
        #expect(second.text == "OpenAI heard this.")
        #expect(openAI.received.count == 1)
        #expect(whisper.violations.isEmpty && openAI.violations.isEmpty)
    }
}
