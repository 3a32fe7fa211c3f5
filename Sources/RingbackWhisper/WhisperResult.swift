/// What whisper.cpp heard in one decode: timed segments with each token's probability.
public struct WhisperResult: Sendable, Equatable {
    public struct Token: Sendable, Equatable {
        public var text: String
        /// 0…1: how sure the model was of this token.
        public var probability: Double

        public init(text: String, probability: Double) {
            self.text = text
            self.probability = probability
        }
    }

    public struct Segment: Sendable, Equatable {
        /// Seconds from the start of the decoded audio.
        public var start: Double
        public var end: Double
        public var text: String
        /// The model's estimate that the window held no speech at all.
        public var noSpeechProbability: Double
        public var tokens: [Token]

        public init(start: Double, end: Double, text: String, noSpeechProbability: Double, tokens: [Token]) {
            self.start = start
            self.end = end
            self.text = text
            self.noSpeechProbability = noSpeechProbability
            self.tokens = tokens
        }

        /// The mean token probability: a confidence that falls when the model guessed.
        public var confidence: Double? {
            tokens.isEmpty ? nil : tokens.reduce(0) { $0 + $1.probability } / Double(tokens.count)
        }
    }

    /// The language decoded (detected, or the one asked for).
    public var language: String?
    public var segments: [Segment]
}

/// A whisper.cpp failure, with the model's path where it matters.
public enum WhisperError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model file is missing, unreadable or not a model whisper.cpp loads.
    case model(path: String, reason: String)
    /// whisper.cpp could not decode (out of memory, or a model it could not run).
    case decode(path: String, status: Int)
    /// Stopped through `WhisperAbort`.
    case cancelled

    public var description: String {
        switch self {
        case .model(let path, let reason): "whisper model \(path): \(reason)"
        case .decode(let path, let status): "whisper.cpp failed to decode with \(path) (status \(status))"
        case .cancelled: "the decode was stopped"
        }
    }
}
