import Foundation
import Ringback
import RingbackAudio
import RingbackCore
import RingbackTesting
import Testing

@Suite struct EngineTests {
    static let said = "Hi, this is Maria, please call me back about the leaking sink."

    /// A recording on disk with its probe, as the pipeline hands it to an engine.
    struct Voicemail {
        let folder: TemporaryDirectory
        let url: URL
        let probe: AudioProbe

        init(_ format: AudioFormat = .pcm16WAV, seconds: Double = 1) throws {
            folder = try TemporaryDirectory("engines")
            url = try AudioFixture.write(try folder.path(format == .wav49 ? "msg0000.WAV" : "msg0000.wav"), format: format, seconds: seconds)
            probe = try AudioProbe(url: url)
        }
    }

    /// The WAV format tag of an upload (1 = PCM, 0x31 = GSM 6.10), read from its fmt chunk.
    static func waveFormatTag(_ data: Data) -> Int? {
        let bytes = [UInt8](data)
        guard bytes.count >= 12, bytes[0..<4] == [0x52, 0x49, 0x46, 0x46][...], bytes[8..<12] == [0x57, 0x41, 0x56, 0x45][...] else { return nil }
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16 | Int(bytes[offset + 7]) << 24
            if id == "fmt ", offset + 10 <= bytes.count { return Int(bytes[offset + 8]) | Int(bytes[offset + 9]) << 8 }
            offset += 8 + size + (size & 1)
        }
        return nil
    }

    /// The engine's timed segments: present, in order, inside the recording, and carrying the words.
    static func expectTimed(_ transcript: Transcript, within seconds: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!transcript.segments.isEmpty, "no segments", sourceLocation: sourceLocation)
        #expect(
            transcript.segments.allSatisfy { 0 <= $0.start && $0.start <= $0.end && $0.end <= seconds + 0.05 }, "\(transcript.segments)",
            sourceLocation: sourceLocation)
        #expect(zip(transcript.segments, transcript.segments.dropFirst()).allSatisfy { $0.start <= $1.start }, sourceLocation: sourceLocation)
        #expect(!transcript.segments.map(\.text).joined().isEmpty, sourceLocation: sourceLocation)
    }

    /// Runs the engine and returns its error, failing the test if it succeeded.
    static func failure(_ engine: any Transcriber, _ voicemail: Voicemail) async -> TranscriptionError? {
        do throws(TranscriptionError) {
            let transcript = try await engine.transcribe(voicemail.url, probe: voicemail.probe)
            Issue.record("expected an error, got \(transcript)")
            return nil
        } catch {
            return error
        }
    }

    // MARK: whisper.cpp

    @Test func whisperCppReturnsTheTrimmedTranscriptWithAConfidenceFromItsSegments() async throws {
        let server = try WhisperCppStandIn()
        defer { server.stop() }
        let voicemail = try Voicemail()
        let transcript = try await WhisperCppTranscriber(url: server.url, language: "en").transcribe(voicemail.url, probe: voicemail.probe)
        #expect(transcript.text == Self.said)
        #expect(transcript.engine == "whisper-cpp")
        #expect(transcript.language == "en")
        let confidence = try #require(transcript.confidence)
        #expect(abs(confidence - exp(-0.25) * 0.98) < 0.001)
        Self.expectTimed(transcript, within: 1)
        #expect(server.violations.isEmpty)
        #expect(server.received.first?.language == "en")
    }

    @Test func whisperCppGetsPCMEvenWhenTheVoicemailIsGSM() async throws {
        let server = try WhisperCppStandIn()
        defer { server.stop() }
        let voicemail = try Voicemail(.wav49)
        let transcript = try await WhisperCppTranscriber(url: server.url).transcribe(voicemail.url, probe: voicemail.probe)
        #expect(transcript.text == Self.said)
        #expect(server.violations.isEmpty)
        let upload = try #require(server.received.first)
        #expect(Self.waveFormatTag(upload.audio) == 1)
        #expect(upload.filename?.hasSuffix(".wav") == true)
    }

    @Test func whisperCppPlainTextBadRequestBecomesAReadablePermanentError() async throws {
        let server = try WhisperCppStandIn()
        defer { server.stop() }
        server.enqueue(.respond(.text(400, WhisperCppStandIn.badRequestBody, contentType: "text/plain")))
        let voicemail = try Voicemail()
        let error = try #require(await Self.failure(WhisperCppTranscriber(url: server.url), voicemail))
        #expect(error.code == .rejected)
        #expect(error.status == 400)
        #expect(error.engine == "whisper-cpp")
        #expect(error.url == server.url)
        #expect(!error.isTransient)
        #expect(error.message.contains("Invalid request"))
        #expect(error.message.contains("could not read the upload"))
    }

    @Test func whisperCppServiceUnavailableIsTransient() async throws {
        let server = try WhisperCppStandIn()
        defer { server.stop() }
        server.enqueue(.respond(.text(503, "Service Unavailable")))
        let voicemail = try Voicemail()
        let error = try #require(await Self.failure(WhisperCppTranscriber(url: server.url), voicemail))
        #expect(error.status == 503)
        #expect(error.isTransient)
        #expect(error.message == "Service Unavailable")
    }

    @Test func whisperCppConnectionResetIsATransientTransportError() async throws {
        let server = try WhisperCppStandIn()
        defer { server.stop() }
        server.enqueue(.reset)
        let voicemail = try Voicemail()
        let error = try #require(await Self.failure(WhisperCppTranscriber(url: server.url), voicemail))
        #expect(error.code == .transport)
        #expect(error.isTransient)
    }

    // MARK: whisper-asr-webservice

    @Test func whisperASRParsesJSONServedAsPlainTextFromTheBaseURL() async throws {
        let server = try WhisperASRStandIn()
        defer { server.stop() }
        let voicemail = try Voicemail()
        let transcript = try await WhisperASRTranscriber(url: server.baseURL + "/", language: "en").transcribe(voicemail.url, probe: voicemail.probe)
        #expect(transcript.text == Self.said)
        #expect(transcript.engine == "whisper-asr")
        #expect(transcript.language == "en")
        let confidence = try #require(transcript.confidence)
        #expect(abs(confidence - exp(-0.3) * 0.95) < 0.001)
        Self.expectTimed(transcript, within: 1)
        #expect(server.violations.isEmpty)
        let upload = try #require(server.received.first)
        #expect(upload.task == "transcribe")
        #expect(upload.output == "json")
        #expect(upload.encode)
        #expect(upload.language == "en")
    }

    @Test func whisperASRAcceptsTheFullEndpointAndGetsPCMForGSM() async throws {
        let server = try WhisperASRStandIn()
        defer { server.stop() }
        let voicemail = try Voicemail(.wav49)
        let transcript = try await WhisperASRTranscriber(url: server.url).transcribe(voicemail.url, probe: voicemail.probe)
        #expect(transcript.text == Self.said)
        #expect(server.violations.isEmpty)
        let upload = try #require(server.received.first)
        #expect(Self.waveFormatTag(upload.audio) == 1)
        #expect(upload.language == nil)
    }

    @Test func whisperASRServerErrorIsTransient() async throws {
        let server = try WhisperASRStandIn()
        defer { server.stop() }
        server.enqueue(.respond(.text(503, "Service Unavailable")))
        let voicemail = try Voicemail()
        let error = try #require(await Self.failure(WhisperASRTranscriber(url: server.baseURL), voicemail))
        #expect(error.status == 503)
        #expect(error.isTransient)
        #expect(error.engine == "whisper-asr")
        #expect(error.url == server.url)
    }

    @Test func whisperASRValidationErrorIsPermanentWithFastAPIsMessage() async throws {
        let server = try WhisperASRStandIn()
        defer { server.stop() }
        server.enqueue(.respond(.json(422, "{\"detail\":[{\"loc\":[\"body\",\"audio_file\"],\"msg\":\"field required\",\"type\":\"value_error.missing\"}]}")))
        let voicemail = try Voicemail()
        let error = try #require(await Self.failure(WhisperASRTranscriber(url: server.baseURL), voicemail))
        #expect(error.status == 422)
        #expect(!error.isTransient)
        #expect(error.message == "field required")
    }

    // MARK: Deepgram

    @Test func deepgramSendsRawAudioWithATokenAndReturnsItsConfidence() async throws {
        let server = try DeepgramStandIn(confidence: 0.87, transcript: "  " + Self.said + " ")
        defer { server.stop() }
        let voicemail = try Voicemail()
        let engine = DeepgramTranscriber(url: server.url, apiKey: Secret("dg-test"), language: "en")
        let transcript = try await engine.transcribe(voicemail.url, probe: voicemail.probe)
        #expect(transcript.text == Self.said)
        #expect(transcript.engine == "deepgram:nova-3")
        #expect(transcript.confidence == 0.87)
        Self.expectTimed(transcript, within: 1)
        #expect(transcript.segments.map(\.text).joined(separator: " ") == Self.said)
        #expect(server.violations.isEmpty)
        let upload = try #require(server.received.first)
        #expect(upload.authorization == "Token dg-test")
        #expect(upload.contentType == "audio/wav")
        #expect(upload.model == "nova-3")
        #expect(upload.smartFormat)
        #expect(upload.language == "en")
    }

    @Test func deepgramGetsPCMEvenWhenTheVoicemailIsGSM() async throws {
        let server = try DeepgramStandIn()
        defer { server.stop() }
        let voicemail = try Voicemail(.wav49)
        let engine = DeepgramTranscriber(url: server.url, apiKey: Secret("dg-test"), model: "nova-2-phonecall")
        let transcript = try await engine.transcribe(voicemail.url, probe: voicemail.probe)
        #expect(transcript.text == Self.said)
        #expect(transcript.engine == "deepgram:nova-2-phonecall")
        #expect(server.violations.isEmpty)
        #expect(Self.waveFormatTag(try #require(server.received.first).audio) == 1)
    }

    @Test func deepgramWrongKeyIsAPermanent401WithoutTheKey() async throws {
        let server = try DeepgramStandIn()
        defer { server.stop() }
        let voicemail = try Voicemail()
        let engine = DeepgramTranscriber(url: server.url, apiKey: Secret("dg-wrong-secret"))
        let error = try #require(await Self.failure(engine, voicemail))
        #expect(error.code == .rejected)
        #expect(error.status == 401)
        #expect(error.engine == "deepgram:nova-3")
        #expect(error.message == "Invalid credentials.")
        #expect(!error.isTransient)
        #expect(!error.description.contains("dg-wrong-secret"))
    }

    @Test func deepgramServiceUnavailableIsTransient() async throws {
        let server = try DeepgramStandIn()
        defer { server.stop() }
        server.enqueue(.respond(.json(503, "{\"err_code\":\"SERVICE_UNAVAILABLE\",\"err_msg\":\"Service is temporarily unavailable.\"}")))
        let voicemail = try Voicemail()
        let error = try #require(await Self.failure(DeepgramTranscriber(url: server.url, apiKey: Secret("dg-test")), voicemail))
        #expect(error.status == 503)
        #expect(error.isTransient)
        #expect(error.message == "Service is temporarily unavailable.")
    }

    // MARK: AssemblyAI

    static func assemblyAI(_ server: AssemblyAIStandIn, key: String = "aai-test", timeout: Duration = .seconds(20)) -> AssemblyAITranscriber {
        AssemblyAITranscriber(url: server.url, apiKey: Secret(key), language: "en_us", timeout: timeout, firstPollDelay: .milliseconds(20))
    }

    @Test func assemblyAIUploadsCreatesAndPollsUntilCompleted() async throws {
        let server = try AssemblyAIStandIn(pollsUntilDone: 3)
        defer { server.stop() }
        let voicemail = try Voicemail()
        let transcript = try await Self.assemblyAI(server).transcribe(voicemail.url, probe: voicemail.probe)
        #expect(transcript.text == Self.said)
        #expect(transcript.engine == "assemblyai")
        #expect(transcript.confidence == 0.91)
        Self.expectTimed(transcript, within: 1)
        #expect(server.violations.isEmpty)
        #expect(server.pollCount == 3)
        #expect(server.received.first?.contentType == "application/octet-stream")
        let job = try #require(server.jobs.first)
        #expect(job.languageCode == "en_us")
        #expect(job.status == "completed")
        let gaps = server.pollIntervals
        #expect(gaps.count == 2)
        #expect(gaps.allSatisfy { $0 >= .milliseconds(35) })  // 40 ms, then 80 ms: the delay doubles
    }

    @Test func assemblyAIGetsPCMEvenWhenTheVoicemailIsGSM() async throws {
        let server = try AssemblyAIStandIn()
        defer { server.stop() }
        let voicemail = try Voicemail(.wav49)
        let transcript = try await Self.assemblyAI(server).transcribe(voicemail.url, probe: voicemail.probe)
        #expect(transcript.text == Self.said)
        #expect(server.violations.isEmpty)
        #expect(Self.waveFormatTag(try #require(server.received.first).audio) == 1)
    }

    @Test func assemblyAIJobErrorIsPermanentWithTheServersText() async throws {
        let server = try AssemblyAIStandIn(pollsUntilDone: 2, failure: "Audio duration is too short.")
        defer { server.stop() }
        let voicemail = try Voicemail()
        let error = try #require(await Self.failure(Self.assemblyAI(server), voicemail))
        #expect(error.code == .rejected)
        #expect(error.message.contains("Audio duration is too short."))
        #expect(!error.isTransient)
        #expect(server.pollCount == 2)
        #expect(server.violations.isEmpty)
    }

    @Test func assemblyAIWrongKeyIsAPermanent401WithoutTheKey() async throws {
        let server = try AssemblyAIStandIn()
        defer { server.stop() }
        let voicemail = try Voicemail()
        let error = try #require(await Self.failure(Self.assemblyAI(server, key: "aai-wrong-secret"), voicemail))
        #expect(error.status == 401)
        #expect(error.engine == "assemblyai")
        #expect(error.message == "Authentication error, API token missing/invalid")
        #expect(!error.isTransient)
        #expect(!error.description.contains("aai-wrong-secret"))
        #expect(server.jobs.isEmpty)
    }

    @Test func assemblyAIServiceUnavailableIsTransient() async throws {
        let server = try AssemblyAIStandIn()
        defer { server.stop() }
        server.enqueue(.respond(.json(503, "{\"error\":\"Service temporarily unavailable\"}")))
        let voicemail = try Voicemail()
        let error = try #require(await Self.failure(Self.assemblyAI(server), voicemail))
        #expect(error.status == 503)
        #expect(error.isTransient)
        #expect(error.message == "Service temporarily unavailable")
        #expect(error.url == server.url + "/v2/upload")
    }

    @Test func assemblyAIGivesUpAtItsTimeoutWithATransientError() async throws {
        let server = try AssemblyAIStandIn(pollsUntilDone: 10_000)
        defer { server.stop() }
        let voicemail = try Voicemail()
        // A job that never finishes: the engine stops at its deadline instead of polling forever, and says so.
        let error = try #require(await Self.failure(Self.assemblyAI(server, timeout: .seconds(2)), voicemail))
        #expect(error.message.hasPrefix("gave up after 2.0 seconds (the engine's timeout)"), "\(error)")
        #expect(server.requests.count < 100, "polled with back-off, not in a tight loop")
        #expect(error.code == .transport)
        #expect(error.isTransient)
    }

    // MARK: Config

    /// ConfigTests' base config with an empty engine list, so each test appends only its engines.
    static let minimal =
        ConfigTests.minimal + """

            transcription:
              engines:

            """

    static func parse(_ engines: String) throws(ConfigError) -> PipelineConfig {
        try PipelineConfig.parse(minimal + engines, environment: [:])
    }

    static func configError(_ engines: String) -> ConfigError? {
        do {
            _ = try parse(engines)
            return nil
        } catch {
            return error
        }
    }

    @Test func everyNewEngineKindLoadsAndBuildsItsTranscriber() throws {
        let config = try Self.parse(
            """
                - { kind: whisper-cpp, url: "http://gpu:8080/inference" }
                - { kind: whisper-asr, url: "http://gpu:9000", language: en }
                - { kind: deepgram, api_key: dg-key }
                - { kind: assemblyai, api_key: aai-key, timeout: 5m }
                - { kind: none }
            """)
        let engines = config.transcription.engines
        #expect(engines.map(\.kind) == [.whisperCpp, .whisperASR, .deepgram, .assemblyai, .none])
        let built = engines.map { $0.makeTranscriber() }
        #expect((built[0] as? WhisperCppTranscriber)?.url == "http://gpu:8080/inference")
        #expect((built[1] as? WhisperASRTranscriber)?.url == "http://gpu:9000/asr")
        #expect((built[2] as? DeepgramTranscriber)?.url == DeepgramTranscriber.defaultURL)
        #expect((built[3] as? AssemblyAITranscriber)?.url == AssemblyAITranscriber.defaultURL)
        #expect((built[3] as? AssemblyAITranscriber)?.timeout == .seconds(300))
        #expect(built[4] == nil)
    }

    @Test func selfHostedEnginesNeedAURLAndCloudEnginesNeedAKey() {
        #expect(Self.configError("    - { kind: whisper-cpp }")?.key == "transcription.engines[0].url")
        #expect(Self.configError("    - { kind: whisper-asr, url: gpu:9000 }")?.key == "transcription.engines[0].url")
        #expect(Self.configError("    - { kind: none }\n    - { kind: deepgram }")?.key == "transcription.engines[1].api_key")
        #expect(Self.configError("    - { kind: assemblyai, api_key: \"\" }")?.key == "transcription.engines[0].api_key")
    }
}
