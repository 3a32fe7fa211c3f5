import Foundation
import RingbackWhisper

/// What Whisper writes where nobody spoke, and the rules that drop it.
///
/// The model's own judgement comes first, as OpenAI's decoder applies it: a segment is no speech when its 30 s
/// window's <|nospeech|> probability (read right after <|startoftranscript|>; whisper.cpp's own per-segment value
/// stays near 0 for this model) is over 0.6 and the segment's mean token log-probability is under −1. That
/// probability alone is no detector: hiss, touch tones and hold music read 0.36–0.97, but a window of dense real
/// speech read 0.71. The rest are the model's well-known habits: a known phantom phrase ("Thank you.") over quiet
/// audio, stretched over seconds nobody would take to say it, or in a window the model judges to hold no speech;
/// a segment claiming under one word per three seconds; a sentence repeated in a loop; descriptions of sound.
enum HallucinationFilter {
    /// OpenAI's decoder: no speech when the window's probability is over 0.6 and the text's mean log-probability
    /// under −1.
    static let noSpeechThreshold = 0.6
    static let logProbabilityThreshold = -1.0
    /// A phantom phrase in a window whose no-speech probability is over this is dropped whatever its confidence.
    static let phantomNoSpeechThreshold = 0.5
    /// Quieter than this at its loudest 100 ms, the audio under a phrase holds no syllable.
    static let quietDBFS = -40.0
    /// The same sentence this many times in a row is a decoding loop, not a caller.
    static let loopRepeats = 3

    /// Phrases Whisper is known to produce over silence, noise and music (subtitle credits from its training data),
    /// normalised: lowercase, letters and spaces.
    static let phantomPhrases: Set<String> = [
        "thank you", "thank you for watching", "thanks for watching", "thank you very much", "thank you so much",
        "please subscribe", "subscribe to my channel", "you", "bye", "bye bye", "so", "okay", "oh", "um", "uh", "hmm",
        "the end", "see you next time", "subtitles by the amaraorg community", "transcription by castingwords",
        "gracias", "gracias por ver", "subtítulos realizados por la comunidad de amaraorg", "merci",
        "soustitres réalisés par la communauté damaraorg", "untertitel der amaraorg community",
        "untertitel im auftrag des zdf", "obrigado", "grazie",
        // Whisper base's own over loud noise and hiss.
        "im going to go to the next one", "im going to go to the next station", "im going to go back to the next one",
    ]

    /// The segments that are speech, their text trimmed.
    static func speech(in segments: [WhisperResult.Segment], noSpeech: [Double], level: SpeechLevel) -> [WhisperResult.Segment] {
        var kept: [WhisperResult.Segment] = []
        for var segment in segments {
            segment.text = segment.text.trimmingCharacters(in: .whitespacesAndNewlines)
            let window = max(0, min(noSpeech.count - 1, Int((segment.start + segment.end) / 2 / 30)))
            let windowNoSpeech = noSpeech.isEmpty ? 0 : noSpeech[window]
            if isSpeech(segment, level: level, noSpeech: windowNoSpeech) { kept.append(segment) }
        }
        return withoutLoops(kept)
    }

    static func isSpeech(_ segment: WhisperResult.Segment, level: SpeechLevel, noSpeech: Double) -> Bool {
        let normalised = normalise(segment.text)
        guard !normalised.isEmpty, !isAnnotation(segment.text) else { return false }
        let meanLog =
            segment.tokens.isEmpty
            ? -Double.infinity
            : segment.tokens.reduce(0.0) { $0 + log(max($1.probability, 1e-9)) } / Double(segment.tokens.count)
        if noSpeech > noSpeechThreshold && meanLog < logProbabilityThreshold { return false }
        let words = Double(normalised.split(separator: " ").count)
        let seconds = segment.end - segment.start
        // Nobody speaks one word in three seconds for five seconds on end: the model filled a window with something.
        if seconds >= 5 && words / seconds < 1.0 / 3 { return false }
        if phantomPhrases.contains(normalised) {
            if noSpeech > phantomNoSpeechThreshold { return false }
            if level.peakDBFS(from: segment.start, to: segment.end) < quietDBFS { return false }
            if seconds >= 3 && words / seconds <= 0.75 { return false }
        }
        return true
    }

    /// Drops every run of one sentence repeated `loopRepeats` times or more, whether the model wrote the repeats as
    /// segments of their own, inside one segment ("I'm going to go back to the next one." nine times over hiss), or
    /// across segments ("I'm going to go back to the" | "next one." | …), and a loop the token limit cut off
    /// mid-sentence.
    static func withoutLoops(_ segments: [WhisperResult.Segment]) -> [WhisperResult.Segment] {
        // The segments as one text, each sentence with the segments it touches.
        var sentences: [(text: String, segments: Set<Int>)] = []
        var current = (text: "", segments: Set<Int>())
        for (index, segment) in segments.enumerated() {
            for character in segment.text + " " {
                current.text.append(character)
                current.segments.insert(index)
                if ".!?".contains(character) {
                    sentences.append((normalise(current.text), current.segments))
                    current = ("", [])
                }
            }
        }
        if !normalise(current.text).isEmpty { sentences.append((normalise(current.text), current.segments)) }
        sentences.removeAll { $0.text.isEmpty }

        var looping = Set<Int>()  // indices into `sentences`
        var start = 0
        while start < sentences.count {
            var end = start + 1
            while end < sentences.count && sentences[end].text == sentences[start].text { end += 1 }
            if end - start >= loopRepeats {
                // A loop the token limit cut off mid-sentence ends in a piece of the same sentence.
                if end < sentences.count, sentences[start].text.hasPrefix(sentences[end].text) { end += 1 }
                looping.formUnion(start..<end)
            }
            start = end
        }
        // A segment goes when every sentence it is part of belongs to a loop.
        return segments.enumerated().filter { index, _ in
            let own = sentences.indices.filter { sentences[$0].segments.contains(index) }
            return own.isEmpty || !own.allSatisfy(looping.contains)
        }.map(\.element)
    }

    /// `[Music]`, `(applause)`, `*sighs*`, `♪ ... ♪`, `...`: a description of sound, not words.
    static func isAnnotation(_ text: String) -> Bool {
        let pairs: [(Character, Character)] = [("[", "]"), ("(", ")"), ("*", "*"), ("♪", "♪")]
        if let first = text.first, let last = text.last, pairs.contains(where: { $0.0 == first && $0.1 == last }) { return true }
        return text.unicodeScalars.allSatisfy { !CharacterSet.letters.contains($0) && !CharacterSet.decimalDigits.contains($0) }
    }

    static func normalise(_ text: String) -> String {
        let kept = text.lowercased().unicodeScalars.filter { CharacterSet.letters.contains($0) || $0 == " " }
        return String(String.UnicodeScalarView(kept)).split(separator: " ").joined(separator: " ")
    }
}
