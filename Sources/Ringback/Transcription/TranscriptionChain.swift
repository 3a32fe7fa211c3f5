public import Foundation
public import RingbackAudio

/// Engines tried in order. A transient failure is retried on the same engine under the retry policy; a permanent
/// one (400, 401, 403, 413, 415, an unparseable reply) moves on to the next engine at once.
public struct TranscriptionChain: Sendable {
    /// One try at one engine, for the ledger.
    public struct Attempt: Sendable {
        public var engine: String
        public var startedAt: Date
        public var duration: Duration
        public var error: TranscriptionError?
    }

    public let engines: [any Transcriber]
    public let retry: RetryPolicy
    let sleep: @Sendable (Duration) async -> Void

    public init(engines: [any Transcriber], retry: RetryPolicy = .init(), sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }) {
        self.engines = engines
        self.retry = retry
        self.sleep = sleep
    }

    public var name: String { engines.map(\.name).joined(separator: " → ") }

    /// The first transcript any engine gives; `onAttempt` hears of every try. Throws the last engine's error,
    /// its message naming every engine that failed.
    public func transcribe(
        _ audio: URL, probe: AudioProbe, onAttempt: @Sendable (Attempt) async -> Void = { _ in }
    ) async throws(TranscriptionError) -> Transcript {
        var failures: [TranscriptionError] = []
        let clock = ContinuousClock()
        for engine in engines {
            for attempt in 1...retry.attempts {
                let startedAt = Date()
                let start = clock.now
                do throws(TranscriptionError) {
                    let transcript = try await engine.transcribe(audio, probe: probe)
                    await onAttempt(Attempt(engine: engine.name, startedAt: startedAt, duration: clock.now - start, error: nil))
                    return transcript
                } catch {
                    await onAttempt(Attempt(engine: engine.name, startedAt: startedAt, duration: clock.now - start, error: error))
                    failures.append(error)
                    guard error.isTransient, attempt < retry.attempts else { break }
                    await sleep(retry.delay(after: attempt, retryAfter: error.retryAfter))
                }
            }
        }
        guard var last = failures.last else {
            throw TranscriptionError(code: .preparation, engine: "none", message: "no transcription engine is configured")
        }
        if engines.count > 1 {
            last.message += " (all \(engines.count) engines failed)"
        }
        throw last
    }
}
