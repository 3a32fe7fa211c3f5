import Foundation

/// What an engine heard.
public struct Transcript: Sendable, Codable, Equatable {
    public var text: String
    public var engine: String
    public var language: String?
    /// 0…1 where the engine reports one; nil when it does not (never invented).
    public var confidence: Double?
    /// From the offline engine: a draft the card labels as such, never shown as fact.
    public var isOfflineDraft: Bool
    /// Timed pieces of the text, where the engine reports them, in seconds from the start of the voicemail.
    public var segments: [Segment]
    /// Seconds of audio the engine says it heard, where it says.
    public var duration: Double?

    public struct Segment: Sendable, Codable, Equatable {
        public var start: Double
        public var end: Double
        public var text: String

        public init(start: Double, end: Double, text: String) {
            self.start = start
            self.end = end
            self.text = text
        }
    }

    public init(
        text: String, engine: String, language: String? = nil, confidence: Double? = nil, isOfflineDraft: Bool = false,
        segments: [Segment] = [], duration: Double? = nil
    ) {
        self.text = text
        self.engine = engine
        self.language = language
        self.confidence = confidence
        self.isOfflineDraft = isOfflineDraft
        self.segments = segments
        self.duration = duration
    }

    /// The parts of a long voicemail, in order, as one transcript. The confidence is the duration-weighted mean
    /// when every part has one, else nil.
    public static func joining(_ parts: [(transcript: Transcript, duration: Duration)]) -> Transcript? {
        guard let first = parts.first?.transcript else { return nil }
        if parts.count == 1 { return first }
        let text = parts.map(\.transcript.text).filter { !$0.isEmpty }.joined(separator: " ")
        var confidence: Double?
        let total = parts.reduce(0.0) { $0 + $1.duration.seconds }
        if total > 0, parts.allSatisfy({ $0.transcript.confidence != nil }) {
            confidence = parts.reduce(0.0) { $0 + ($1.transcript.confidence ?? 0) * $1.duration.seconds } / total
        }
        // Each part's segments move by the length of the parts before it.
        var segments: [Segment] = []
        var offset = 0.0
        for part in parts {
            segments += part.transcript.segments.map { Segment(start: $0.start + offset, end: $0.end + offset, text: $0.text) }
            offset += part.duration.seconds
        }
        return Transcript(
            text: text, engine: first.engine, language: parts.lazy.compactMap(\.transcript.language).first, confidence: confidence,
            isOfflineDraft: parts.contains { $0.transcript.isOfflineDraft }, segments: segments, duration: total)
    }
}
