public import Foundation
import RingbackCore

/// Decides whether a call is a robocall or a pitch, from the signals `callbacks.spam` turns on, and says why.
///
/// A verdict closes the callback without a card; it is listed in the digest with its reason and undone with a tap.
/// So the phrases are chosen to be sure, not to catch everything: a customer asking about a warranty must get a card.
public struct SpamFilter: Sendable {
    let config: SpamConfig?
    let vip: Set<String>
    let ledger: any Ledger

    public init(config: SpamConfig?, vip: Set<String>, ledger: any Ledger) {
        self.config = config
        self.vip = vip
        self.ledger = ledger
    }

    /// What is known about a call when it is judged.
    public struct Call: Sendable {
        public var id: Int64
        public var number: String?
        public var receivedAt: Date
        public var transcript: String?
        /// `A`, `B`, `C` or `failed`, when the PBX passed a STIR/SHAKEN verdict.
        public var attestation: String?

        public init(id: Int64, number: String?, receivedAt: Date, transcript: String? = nil, attestation: String? = nil) {
            self.id = id
            self.number = number
            self.receivedAt = receivedAt
            self.transcript = transcript
            self.attestation = attestation
        }
    }

    /// Why the call is spam, in words for the digest; nil when it is not (or cannot be judged).
    public func verdict(_ call: Call) async -> String? {
        guard let config else { return nil }
        if let number = call.number {
            if vip.contains(number) { return nil }
            if let entry = config.blocklist.first(where: { number.hasPrefix($0) }) {
                return entry == number ? "the number is on the blocklist" : "the number starts with \(entry), on the blocklist"
            }
            if (try? await ledger.isBlocked(number)) == true { return "the number was marked as spam before" }
        }
        if let verdict = call.attestation, config.attestation.contains(verdict) {
            return verdict == "failed" ? "the caller ID failed its STIR/SHAKEN check" : "the caller ID has only STIR/SHAKEN attestation \(verdict)"
        }
        guard let transcript = call.transcript, !transcript.isEmpty else { return nil }
        if let reason = Self.phrases(in: transcript, config: config) { return reason }
        if config.sameMessageNumbers > 0, let number = call.number {
            let words = Self.wordSet(transcript)
            guard words.count >= 8 else { return nil }
            let day = call.receivedAt.addingTimeInterval(-86400)
            let others = (try? await ledger.transcripts(since: day, excluding: call.id)) ?? []
            let senders = Set(others.filter { $0.number != number && Self.similarity(words, Self.wordSet($0.transcript)) >= 0.8 }.map(\.number))
            if senders.count + 1 >= config.sameMessageNumbers {
                return "the same message came from \(senders.count + 1) numbers within a day"
            }
        }
        return nil
    }

    /// The phrase verdict alone (no ledger): one decisive phrase, or two different suspicious ones.
    public static func phrases(in transcript: String, config: SpamConfig) -> String? {
        let words = Words(transcript)
        if let phrase = config.phrases.first(where: words.contain) { return "the message says \"\(phrase)\"" }
        var hints = config.suspiciousPhrases.filter(words.contain)
        if transcript.contains(tollFree) { hints.append("a toll-free number") }
        guard hints.count >= 2 else { return nil }
        return "the message says " + hints.prefix(3).map { $0 == "a toll-free number" ? $0 : "\"\($0)\"" }.joined(separator: " and ")
    }

    /// `1-800-555-0199`, `888 555 0199`, `(877) 555-0199`.
    nonisolated(unsafe) private static let tollFree = /(?:^|[^\d])(?:1[-. ]?)?\(?8(?:00|33|44|55|66|77|88)\)?[-. ]?\d{3}[-. ]?\d{4}(?:[^\d]|$)/

    static func wordSet(_ text: String) -> Set<Substring> {
        Set(text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }))
    }

    /// Shared words over all words (Jaccard): a campaign's transcripts differ by a misheard word or a number.
    static func similarity(_ a: Set<Substring>, _ b: Set<Substring>) -> Double {
        let union = a.union(b).count
        return union == 0 ? 0 : Double(a.intersection(b).count) / Double(union)
    }
}
