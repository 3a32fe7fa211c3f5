/// What pocketsphinx heard in one utterance, word by word with each word's posterior probability.
public struct SphinxHypothesis: Sendable, Equatable {
    public struct Word: Sendable, Equatable {
        public var text: String
        /// Where it starts, in 10 ms frames from the start of the utterance.
        public var startFrame: Int = 0
        /// Length in 10 ms frames.
        public var frames: Int
        /// 0…1.
        public var posterior: Double
    }

    public var words: [Word]
    /// The utterance's length.
    public var seconds: Double
    public var rmsDBFS: Double

    public var text: String { words.map(\.text).joined(separator: " ") }

    /// Fewer than 2 words, or under 0.5 words a second: noise, a tone or breathing, not speech. Measured on this
    /// model: speech runs at 2.8–3.7 words/s, noise and tones at 0–0.2.
    public var heardSpeech: Bool {
        words.count >= 2 && Double(words.count) / max(seconds, 0.001) >= 0.5
    }

    /// The length-weighted mean word posterior: of the measures pocketsphinx offers, the one that follows the word
    /// error rate (the utterance posterior `ps_get_prob` does not). Nil when no speech was heard.
    public var confidence: Double? {
        guard heardSpeech else { return nil }
        let frames = words.reduce(0) { $0 + $1.frames }
        guard frames > 0 else { return nil }
        return words.reduce(0.0) { $0 + $1.posterior * Double($1.frames) } / Double(frames)
    }

    /// Fillers and markers are not words: `<s>`, `</s>`, `<sil>`, `[NOISE]`, `+BREATH+`.
    static func isWord(_ token: String) -> Bool {
        !(token.hasPrefix("<") || token.hasPrefix("[") || token.hasPrefix("+"))
    }

    /// `read(2)` → `read`: the dictionary's alternate pronunciations carry a suffix.
    static func spelling(_ token: String) -> String {
        guard token.hasSuffix(")"), let open = token.lastIndex(of: "(") else { return token }
        return String(token[..<open])
    }
}
