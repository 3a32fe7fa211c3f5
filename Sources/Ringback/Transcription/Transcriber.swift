public import Foundation
public import RingbackAudio
public import RingbackCore

/// A speech-to-text engine. One type per engine; the pipeline only knows this protocol.
public protocol Transcriber: Sendable {
    /// Shown in logs, the ledger's attempt records and on the card (`openai:whisper-1`).
    var name: String { get }
    /// What audio the engine takes; the chain converts and cuts each voicemail to fit before calling `transcribe`.
    var requirements: AudioRequirements { get }
    /// One request: the whole voicemail or one part of it.
    func transcribe(_ clip: AudioClip) async throws(TranscriptionError) -> Transcript
    /// Loads what every request needs (an in-process model) before the first voicemail, so a broken setup stops
    /// Ringback at start with the reason instead of failing each voicemail.
    func prepare() async throws(TranscriptionError)
}

extension Transcriber {
    /// An HTTP API with no stated limits.
    public var requirements: AudioRequirements { .upload() }

    /// Nothing to load: an HTTP engine is tried by `ringback check`.
    public func prepare() async throws(TranscriptionError) {}
}

extension Transcriber {
    /// The whole voicemail through this engine alone: prepared to its requirements, parts joined, no retries.
    public func transcribe(_ audio: URL, probe: AudioProbe) async throws(TranscriptionError) -> Transcript {
        try await TranscriptionChain(engines: [self], retry: .once).transcribe(audio, probe: probe)
    }
}
