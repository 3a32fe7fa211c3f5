import Foundation
import Ringback
import RingbackAudio
import RingbackCore
import RingbackTesting
import Testing

@Suite struct TranscriptionChainTests {
    let folder: TemporaryDirectory
    let audio: URL
    let probe: AudioProbe

    init() throws {
        folder = try TemporaryDirectory("chain")
        audio = try AudioFixture.write(folder.url.appendingPathComponent("call.wav"), seconds: 2)
        probe = try AudioProbe(url: audio)
    }

    func engine(_ standIn: OpenAITranscriptionStandIn, key: String = "sk-test") -> OpenAITranscriber {
        OpenAITranscriber(url: standIn.url, apiKey: Secret(key), model: "whisper-1", timeout: .seconds(5))
    }

    /// Records the waits instead of sleeping through them.
    final class Waits: @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: [Duration] = []
        var all: [Duration] { lock.withLock { recorded } }
        func add(_ delay: Duration) { lock.withLock { recorded.append(delay) } }
    }

    @Test func aServerErrorTwiceThenSuccessIsRetriedWithDoublingWaits() async throws {
        let standIn = try OpenAITranscriptionStandIn(transcript: "third time lucky")
        defer { standIn.stop() }
        standIn.enqueue(.respond(.json(503, #"{"error":{"message":"overloaded"}}"#)))
        standIn.enqueue(.respond(.json(503, #"{"error":{"message":"overloaded"}}"#)))
        let waits = Waits()
        let chain = TranscriptionChain(engines: [engine(standIn)], retry: RetryPolicy(attempts: 4, backoff: .seconds(2))) { waits.add($0) }
        let transcript = try await chain.transcribe(audio, probe: probe)
        #expect(transcript.text == "third time lucky")
        #expect(standIn.requests.count == 3)
        let delays = waits.all
        #expect(delays.count == 2)
        #expect(delays[0] >= .milliseconds(1600) && delays[0] <= .milliseconds(2400))
        #expect(delays[1] >= .milliseconds(3200) && delays[1] <= .milliseconds(4800))
    }

    @Test func aRejectedKeyMovesToTheNextEngineWithoutRetrying() async throws {
        let first = try OpenAITranscriptionStandIn(apiKey: "sk-right")
        defer { first.stop() }
        let second = try OpenAITranscriptionStandIn(transcript: "from the second engine")
        defer { second.stop() }
        let waits = Waits()
        let chain = TranscriptionChain(engines: [engine(first, key: "sk-wrong"), engine(second)], retry: RetryPolicy(attempts: 4)) { waits.add($0) }
        let attempts = Attempts()
        let transcript = try await chain.transcribe(audio, probe: probe) { attempts.add($0) }
        #expect(transcript.text == "from the second engine")
        #expect(first.requests.count == 1)
        #expect(waits.all.isEmpty)
        #expect(attempts.all.map { $0.error?.status } == [401, nil])
    }

    @Test func retryAfterIsHonouredAndAnExhaustedQuotaIsNotRetried() async throws {
        let standIn = try OpenAITranscriptionStandIn()
        defer { standIn.stop() }
        standIn.enqueue(
            .respond(
                HTTPStandIn.Response(
                    status: 429, headers: [("Content-Type", "application/json"), ("Retry-After", "7")],
                    body: Data(#"{"error":{"message":"Rate limit reached"}}"#.utf8))))
        let waits = Waits()
        let chain = TranscriptionChain(engines: [engine(standIn)], retry: RetryPolicy(attempts: 2, backoff: .milliseconds(10))) { waits.add($0) }
        _ = try await chain.transcribe(audio, probe: probe)
        #expect(waits.all == [.seconds(7)])

        standIn.enqueue(
            .respond(.json(429, #"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#)))
        let error = try await #require(throws: TranscriptionError.self) { try await chain.transcribe(audio, probe: probe) }
        #expect(!error.isTransient)
        #expect(error.message.contains("quota"))
    }

    @Test func whenEveryEngineFailsTheErrorSaysSo() async throws {
        let standIn = try OpenAITranscriptionStandIn()
        defer { standIn.stop() }
        let other = try OpenAITranscriptionStandIn()
        defer { other.stop() }
        let chain = TranscriptionChain(engines: [engine(standIn, key: "bad"), engine(other, key: "bad")], retry: .once)
        let error = try await #require(throws: TranscriptionError.self) { try await chain.transcribe(audio, probe: probe) }
        #expect(error.status == 401)
        #expect(error.message.contains("all 2 engines failed"))
    }

    @Test func thePipelineRecordsEveryAttemptInTheLedger() async throws {
        let harness = try Harness()
        let standIn = try OpenAITranscriptionStandIn()
        defer { standIn.stop() }
        standIn.enqueue(.respond(.json(502, #"{"detail":"bad gateway"}"#)))
        let file = try harness.drop("call.wav")
        let pipeline = VoicemailPipeline(
            config: harness.config, ledger: try LedgerStore.open(harness.config),
            transcription: TranscriptionChain(engines: [harness.openAI(standIn)], retry: RetryPolicy(attempts: 3, backoff: .milliseconds(5))),
            transport: MaildirTransport(root: harness.maildir), logger: Harness.logger)
        let outcome = await pipeline.process(file)
        #expect(outcome.status == .notified)
        let attempts = try await pipeline.ledger.attempts(voicemailID: try #require(outcome.voicemailID))
        #expect(attempts.map(\.succeeded) == [false, true])
        #expect(attempts.first?.httpStatus == 502)
        #expect(attempts.first?.error?.contains("bad gateway") == true)
    }

    final class Attempts: @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: [TranscriptionChain.Attempt] = []
        var all: [TranscriptionChain.Attempt] { lock.withLock { recorded } }
        func add(_ attempt: TranscriptionChain.Attempt) { lock.withLock { recorded.append(attempt) } }
    }

    @Test func theOpenAIEngineReturnsTimedSegmentsAndAJoinedTranscriptShiftsEachPartsSegments() async throws {
        let standIn = try OpenAITranscriptionStandIn()
        defer { standIn.stop() }
        let transcript = try await engine(standIn).transcribe(audio, probe: probe)
        #expect(transcript.segments.count == 1)
        #expect(transcript.segments.first?.start == 0)
        #expect(transcript.segments.first?.text == transcript.text)
        #expect(transcript.duration != nil)

        let part = Transcript(text: "one", engine: "e", segments: [.init(start: 0.5, end: 2, text: "one")])
        let joined = try #require(Transcript.joining([(part, .seconds(30)), (part, .seconds(30))]))
        #expect(joined.segments.map(\.start) == [0.5, 30.5])
        #expect(joined.segments.map(\.end) == [2, 32])
        #expect(joined.duration == 60)
    }
}
