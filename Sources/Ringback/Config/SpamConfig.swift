/// `callbacks.spam`: the signals that keep robocalls and sales pitches from getting a card, a deadline and reminders.
///
/// Every signal is optional. A call judged spam is kept in the ledger and listed in the digest with why, so a wrong
/// verdict costs a tap ("Not spam"), never a lost customer.
public struct SpamConfig: Sendable, Decodable {
    /// Numbers (E.164) or prefixes (`+1900`): a call from one is spam. `vip` numbers never are.
    public var blocklist: [String]
    /// Wording only robocalls and cold pitches use ("press 1 to"): one in a transcript decides.
    public var phrases: [String]
    /// Wording a real customer might use too ("extended warranty"): it takes two different ones.
    public var suspiciousPhrases: [String]
    /// STIR/SHAKEN verdicts, as the PBX passes them (`A`, `B`, `C`, `failed`), that make a call spam.
    public var attestation: Set<String>
    /// The same message (by its words) from this many different numbers within a day is a campaign; 0 turns it off.
    public var sameMessageNumbers: Int

    /// Robocall wording a customer would not say, chosen before the corpus was measured. Changed twice since, each
    /// time for a real message it binned (README): "press one" alone caught a doctor's office explaining its own
    /// menu, then "press 1 to" caught a recorded phone-menu prompt; the keypad phrases now name what the key does.
    public static let defaultPhrases = [
        "press 1 to speak", "press one to speak", "press 1 to be connected", "press one to be connected", "press 1 now", "press one now",
        "press 2 to be removed", "press two to be removed", "press 9 to be removed", "press nine to be removed", "to be removed from our",
        "to speak to an agent",
        "to speak with an agent", "to speak with a representative", "to speak to a representative", "vehicle's warranty", "vehicle warranty",
        "car's warranty", "auto warranty", "factory warranty", "google listing", "google business listing", "google my business",
        "marked as permanently closed", "this is not a sales call", "social security number", "arrest warrant", "legal action against you",
        "merchant services", "credit card processing", "processing fees", "business funding", "working capital", "you have been pre approved",
        "you've been pre approved", "you have been preapproved", "you've been preapproved",
    ]

    /// Wording common in pitches that a customer might also use; two different ones are needed.
    public static let defaultSuspiciousPhrases = [
        "extended warranty", "warranty has expired", "limited time", "final notice", "congratulations", "you qualify", "you have qualified",
        "eligible for", "pre qualified", "prequalified", "approved for", "open enrollment", "health insurance", "solar", "energy bill",
        "electricity bill", "utility bill", "irs", "tax debt", "student loan", "credit card debt", "interest rate", "business loan",
        "line of credit", "funding", "seo", "first page of google", "search results", "website design", "listing", "don't hang up",
        "automated message", "recorded message", "courtesy call", "our records indicate", "suspended", "expire", "special offer",
        "toll free",
    ]

    public init(
        blocklist: [String] = [], phrases: [String] = defaultPhrases, suspiciousPhrases: [String] = defaultSuspiciousPhrases,
        attestation: Set<String> = ["failed"], sameMessageNumbers: Int = 3
    ) {
        self.blocklist = blocklist
        self.phrases = phrases
        self.suspiciousPhrases = suspiciousPhrases
        self.attestation = attestation
        self.sameMessageNumbers = sameMessageNumbers
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case blocklist, phrases
        case suspiciousPhrases = "suspicious_phrases"
        case attestation
        case sameMessageNumbers = "same_message_numbers"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        blocklist = try container.decodeIfPresent([String].self, forKey: .blocklist) ?? []
        for entry in blocklist where !entry.hasPrefix("+") || entry.count < 2 || entry.dropFirst().contains(where: { !$0.isNumber }) {
            throw container.invalid(.blocklist, "expected E.164 numbers or prefixes like +15551230000 or +1900, found \"\(entry)\"")
        }
        phrases = try container.decodeIfPresent([String].self, forKey: .phrases) ?? Self.defaultPhrases
        suspiciousPhrases = try container.decodeIfPresent([String].self, forKey: .suspiciousPhrases) ?? Self.defaultSuspiciousPhrases
        let verdicts = try container.decodeIfPresent([String].self, forKey: .attestation) ?? ["failed"]
        for verdict in verdicts where !["A", "B", "C", "failed"].contains(verdict) {
            throw container.invalid(.attestation, "expected A, B, C or failed, found \"\(verdict)\"")
        }
        attestation = Set(verdicts)
        sameMessageNumbers = try container.decodeIfPresent(Int.self, forKey: .sameMessageNumbers) ?? 3
        guard sameMessageNumbers == 0 || sameMessageNumbers >= 2 else { throw container.invalid(.sameMessageNumbers, "must be 0 (off) or 2 or more") }
    }
}
