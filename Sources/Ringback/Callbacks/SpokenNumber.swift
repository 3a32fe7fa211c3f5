public import RingbackCore

/// A phone number the caller said ("call me on five five five, zero one nine nine"), read from the transcript.
///
/// Digits may be spoken ("five", "oh", "double five") or written ("555-0199"), in one run with only pauses,
/// dashes and "dash" between them. Only a run that makes a valid number in the owner's numbering plan counts; a
/// seven-digit North American number takes the area code of the caller ID, and the card says so. The number is
/// kept only when it differs from the caller ID.
public struct SpokenNumber: Sendable, Equatable {
    public var phone: PhoneNumber
    /// The area code came from the caller ID, not from what was said.
    public var borrowedAreaCode: Bool

    static let words: [String: String] = [
        "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
        "six": "6", "seven": "7", "eight": "8", "nine": "9",
    ]

    /// The longest valid number said in `transcript` that is not `callerID`'s; nil when there is none.
    public static func find(in transcript: String, callerID: PhoneNumber, country: String) -> SpokenNumber? {
        var runs: [String] = []
        var digits = ""
        var repeatNext = 1
        for token in tokens(transcript) {
            if token == "double" || token == "triple" {
                repeatNext = token == "double" ? 2 : 3
                continue
            }
            if let digit = words[token] {
                digits += String(repeating: digit, count: repeatNext)
            } else if !token.isEmpty, token.allSatisfy(\.isNumber) {
                digits += String(repeating: token, count: token.count == 1 ? repeatNext : 1)
            } else if token == "dash" || token == "hyphen" {
                // a spoken separator inside the run
            } else {
                if !digits.isEmpty { runs.append(digits) }
                digits = ""
            }
            repeatNext = 1
        }
        if !digits.isEmpty { runs.append(digits) }

        let isNANP = ["US", "CA"].contains(country.uppercased())
        var best: SpokenNumber?
        for run in runs where run.count >= 7 {
            var candidate = SpokenNumber(phone: PhoneNumber(parsing: run, country: country), borrowedAreaCode: false)
            if candidate.phone.kind != .e164, isNANP, run.count == 7, let caller = callerID.e164, caller.hasPrefix("+1"), caller.count == 12 {
                let areaCode = caller.dropFirst(2).prefix(3)
                candidate = SpokenNumber(phone: PhoneNumber(parsing: areaCode + run, country: country), borrowedAreaCode: true)
            }
            guard candidate.phone.kind == .e164, candidate.phone.e164 != callerID.e164 else { continue }
            if best == nil || run.count > (best?.phone.e164?.count ?? 0) { best = candidate }
        }
        return best
    }

    /// Lowercased words and digit groups; `555-0199` and `(555)` become their digits, punctuation splits.
    private static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                if let last = current.last, last.isNumber != character.isNumber {
                    tokens.append(current)
                    current = ""
                }
                current.append(character)
            } else if character == "-" || character == "(" || character == ")" || character == "." {
                if !current.isEmpty, !(current.last?.isNumber ?? false) {
                    tokens.append(current)
                    current = ""
                }
                // inside a written number these are formatting: "555-0199", "(555) 123"
            } else {
                if !current.isEmpty { tokens.append(current) }
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }
}

extension VoicemailRecord {
    /// Stores what an engine heard, and a different callback number said in it (see `spokenNumber`).
    mutating func apply(_ transcript: Transcript, owner: OwnerConfig) {
        apply(transcript)
        guard kind == .voicemail else { return }
        spokenNumber = SpokenNumber.find(in: transcript.text, callerID: caller(owner: owner).phone, country: owner.country)?.phone.e164
    }
}
