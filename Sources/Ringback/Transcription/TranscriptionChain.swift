public import Foundation
public import RingbackAudio
public import RingbackCore

/// Engines tried in order. Each engine gets the voicemail prepared to its requirements (converted, or cut into
/// parts at quiet moments and joined afterwards). A transient failure is retried on the same engine under the retry
/// policy; a permanent one (400, 401, 403, 413, 415, an unparseable reply) moves on to the next engine at once.
public struct TranscriptionChain: Sendable {
    /// One request to one engine, for the ledger and `probe --transcribe`.
    public struct Attempt: Sendable {
        public var engine: String
        /// `2/5` when the voicemail was cut into parts.
        public var part: String?
        public var startedAt: Date
        public var duration: Duration
        public var error: TranscriptionError?
    }

    public let engines: [any Transcriber]
    public let retry: RetryPolicy
    let sleep: @Sendable (Duration) async -> Void

    public init(
        engines: [any Transcriber], retry: RetryPolicy = .init(), sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    ) {
        self.engines = engines
        self.retry = retry
        self.sleep = sleep
    }

    public var name: String { engines.map(\.name).joined(separator: " → ") }

    /// Every engine's `prepare`, in order; the first failure is thrown.
    public func prepare() async throws(TranscriptionError) {
        for engine in engines { try await engine.prepare() }
    }

    /// The first transcript any engine gives; `onAttempt` hears of every request. Throws the last engine's error,
    /// its message saying that every engine failed.
    public func transcribe(
        _ audio: URL, probe: AudioProbe, onAttempt: @Sendable (Attempt) async -> Void = { _ in }
    ) async throws(TranscriptionError) -> Transcript {
        var failures: [TranscriptionError] = []
        for engine in engines {
            do throws(TranscriptionError) {
                return try await transcribe(audio, probe: probe, with: engine, onAttempt: onAttempt)
            } catch {
                if error.code == .cancelled || Task.isCancelled { throw error }  // shutting down: no next engine
                failures.append(error)
            }
        }
        guard var last = failures.last else {
            throw TranscriptionError(code: .preparation, engine: "none", message: "no transcription engine is configured")
        }
        if engines.count > 1 {
            last.message += " (all \(engines.count) engines failed)"
            last.enginesFailed = engines.count
        }
        throw last
    }

    /// Every part through one engine, in order, each with its own retries.
    private func transcribe(
        _ audio: URL, probe: AudioProbe, with engine: any Transcriber, onAttempt: @Sendable (Attempt) async -> Void
    ) async throws(TranscriptionError) -> Transcript {
        let plan: ClipPlan
        let requirements = engine.requirements
        do throws(AudioError) {
            plan = try await BlockingWork.run { () throws(AudioError) -> ClipPlan in try ClipPlan(audio, probe: probe, requirements: requirements) }
        } catch {
            throw TranscriptionError(code: .preparation, engine: engine.name, message: "cannot prepare \(probe.format) for this engine: \(error.reason)")
        }
        var parts: [(transcript: Transcript, duration: Duration)] = []
        for index in 0..<plan.parts {
            let prepared: PreparedClip
            do throws(AudioError) {
                prepared = try await BlockingWork.run { () throws(AudioError) -> PreparedClip in try plan.clip(index) }
            } catch {
                throw TranscriptionError(code: .preparation, engine: engine.name, message: "cannot convert \(probe.format) to \(plan.format): \(error.reason)")
            }
            let transcript = try await transcribe(prepared.clip, with: engine, onAttempt: onAttempt)
            parts.append((transcript, prepared.clip.duration))
        }
        guard let joined = Transcript.joining(parts) else {
            throw TranscriptionError(code: .preparation, engine: engine.name, message: "the recording has no audio to send")
        }
        return joined
    }

    private func transcribe(
        _ clip: AudioClip, with engine: any Transcriber, onAttempt: @Sendable (Attempt) async -> Void
    ) async throws(TranscriptionError) -> Transcript {
        let clock = ContinuousClock()
        let part = clip.parts > 1 ? "\(clip.part)/\(clip.parts)" : nil
        var attempt = 1
        while true {
            let startedAt = Date()
            let start = clock.now
            do throws(TranscriptionError) {
                let transcript = try await engine.transcribe(clip)
                await onAttempt(Attempt(engine: engine.name, part: part, startedAt: startedAt, duration: clock.now - start, error: nil))
                return transcript
            } catch {
                var error = error
                if let part { error.message += " (part \(part))" }
                await onAttempt(Attempt(engine: engine.name, part: part, startedAt: startedAt, duration: clock.now - start, error: error))
                guard error.isTransient, attempt < retry.attempts else { throw error }
                await sleep(retry.delay(after: attempt, retryAfter: error.retryAfter))
                attempt += 1
            }
        }
    }
}
