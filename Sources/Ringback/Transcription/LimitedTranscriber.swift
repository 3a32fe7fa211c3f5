public import RingbackCore

/// An engine under the limits pipeline.yml sets on it: `max_concurrent` requests at once, and `max_seconds` /
/// `max_bytes` tighter than its API's own.
public struct LimitedTranscriber: Transcriber {
    public let base: any Transcriber
    public let requirements: AudioRequirements
    private let gate: AsyncGate?

    public init(_ base: any Transcriber, maxConcurrent: Int? = nil, maxSeconds: Double? = nil, maxBytes: Int64? = nil) {
        self.base = base
        self.requirements = base.requirements.tightened(maxSeconds: maxSeconds, maxBytes: maxBytes)
        self.gate = maxConcurrent.map { AsyncGate(limit: $0) }
    }

    public var name: String { base.name }

    public func prepare() async throws(TranscriptionError) {
        try await base.prepare()
    }

    public func transcribe(_ clip: AudioClip) async throws(TranscriptionError) -> Transcript {
        guard let gate else { return try await base.transcribe(clip) }
        let base = self.base
        return try await gate.run { () async throws(TranscriptionError) -> Transcript in try await base.transcribe(clip) }
    }
}
