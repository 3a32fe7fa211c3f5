public import Foundation
public import RingbackAudio

/// A speech-to-text engine. One type per engine; the pipeline only knows this protocol.
public protocol Transcriber: Sendable {
    /// Shown in logs, the ledger's attempt records and on the card (`openai:whisper-1`).
    var name: String { get }
    func transcribe(_ audio: URL, probe: AudioProbe) async throws(TranscriptionError) -> Transcript
}

/// What an engine heard.
public struct Transcript: Sendable, Codable, Equatable {
    public var text: String
    public var engine: String
    public var language: String?
    /// 0…1 where the engine reports one; nil when it does not (never invented).
    public var confidence: Double?

    public init(text: String, engine: String, language: String? = nil, confidence: Double? = nil) {
        self.text = text
        self.engine = engine
        self.language = language
        self.confidence = confidence
    }
}
