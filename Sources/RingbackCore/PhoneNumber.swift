/// A caller's number as the PBX gave it, normalised.
///
/// `e164` is the key Ringback folds repeat callers on and matches call-detail records against, so parsing prefers
/// `.unknown` to a guess: a wrong key merges two strangers, a missing one merely fails to fold. `raw` always keeps the
/// PBX's text, so nothing is lost when a form is rejected.
///
/// The rules, in the order they are tried:
/// 1. Surrounding whitespace is ignored; the words anonymous, private, restricted, withheld and unavailable (any
///    case) mean the caller or network hid the number (`.withheld`).
/// 2. Spaces, dashes, dots, parentheses and slashes are formatting. Any other character (letters, `*`, `#`, a second
///    or inner `+`) makes the number `.unknown`: it is a name, a feature code or noise, not something to call back.
/// 3. A leading `+` means international: the calling code must be assigned by the ITU, the whole number 7…15 digits,
///    and for countries in `CountryDialing.all` the rest must be a valid national number. A trunk prefix left in
///    (`+44 (0)20…`, `+44 020…`) is dropped only when that turns an invalid number into a valid one.
/// 4. Digits only: one of `dialPrefixes` (the PBX's outside-line prefix) is stripped first, but only when what
///    remains is a complete number, so "9" + an extension stays an extension. Then the owner's international prefix
///    (011, 00, 0011, 010) and, leniently, "00" where that is not the owner's prefix but the result is a valid
///    international number; then a national number; then the owner's own calling code without the "+"
///    ("442079460018" from a UK trunk).
/// 5. Anything else of 2…6 digits is an internal extension; everything else (a lone digit, all zeros, too long) is
///    `.unknown`.
public struct PhoneNumber: Sendable, Hashable, Codable {
    /// Whether `text` is written in E.164 exactly: `+`, then 7 to 15 digits.
    public static func isE164(_ text: String) -> Bool {
        text.hasPrefix("+") && (8...16).contains(text.count) && text.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
    }

    public enum Kind: String, Sendable, Codable {
        case e164, `extension`, withheld, unknown
    }

    public var kind: Kind
    /// "+15551230000" when kind == .e164
    public var e164: String?
    /// internal extension digits ("1001") when kind == .extension
    public var extensionNumber: String?
    /// exactly what the PBX gave
    public var raw: String

    /// Shortest internal extension: a single digit is an operator or feature code, not a person to call back.
    public static let minimumExtensionLength = 2
    /// Longest internal extension. Six covers hotel and campus PBXs; anything longer is a truncated outside number,
    /// which must not be mistaken for a colleague.
    public static let maximumExtensionLength = 6
    /// Fewest digits (calling code included) of an international number: Niue and Tokelau have 4-digit subscriber
    /// numbers, so the floor is 7 rather than the 8 most countries would suggest.
    public static let minimumInternationalDigits = 7
    /// E.164's ceiling.
    public static let maximumInternationalDigits = 15

    public init(parsing raw: String, country: String = "US", dialPrefixes: [String] = []) {
        self.raw = raw
        let prefixes =
            dialPrefixes
            .filter { !$0.isEmpty && $0.allSatisfy(CountryDialing.isDigit) }
            .sorted { $0.count > $1.count }
        switch Self.reading(raw, owner: CountryDialing.lookup(country), dialPrefixes: prefixes) {
        case .international(let number):
            kind = .e164
            e164 = number
        case .internalExtension(let digits):
            kind = .extension
            extensionNumber = digits
        case .withheld:
            kind = .withheld
        case .unknown:
            kind = .unknown
        }
    }

    /// For display on a card: nationally formatted when the number is in `country` ("(555) 123-0000" for US,
    /// "020 7946 0018" for GB, "030 12345678" for DE...), international otherwise ("+44 20 7946 0018", or "+<cc> <rest>"
    /// grouped sensibly for countries without a specific rule); "Ext. 1001"; "Withheld number"; "Unknown number".
    public func display(country: String = "US") -> String {
        switch kind {
        case .e164:
            guard let e164 else { return "Unknown number" }
            let digits = String(e164.dropFirst())
            guard e164.hasPrefix("+"), let callingCode = CountryDialing.callingCode(prefixing: digits) else {
                return e164
            }
            let nsn = String(digits.dropFirst(callingCode.count))
            if let owner = CountryDialing.lookup(country), owner.callingCode == callingCode {
                return owner.nationalFormat(nsn)
            }
            if let home = CountryDialing.byCallingCode(callingCode) {
                return home.internationalFormat(nsn)
            }
            return "+\(callingCode) " + CountryDialing.evenGroups(nsn).joined(separator: " ")
        case .extension:
            return extensionNumber.map { "Ext. \($0)" } ?? "Unknown number"
        case .withheld:
            return "Withheld number"
        case .unknown:
            return "Unknown number"
        }
    }

    /// "tel:+15551230000" for e164, nil for withheld/unknown; for an extension nil (not dialable from a mobile).
    public var telURI: String? {
        guard kind == .e164, let e164 else { return nil }
        return "tel:\(e164)"
    }

    // MARK: - Parsing

    private enum Reading {
        case international(String)
        case internalExtension(String)
        case withheld
        case unknown
    }

    /// What PBXs send when the caller or the network hid the number (Asterisk "anonymous", 3CX "Anonymous", SIP
    /// privacy "restricted", carriers' "private"/"withheld"/"unavailable").
    private static let withheldWords: Set<String> = ["anonymous", "private", "restricted", "withheld", "unavailable"]

    private static func reading(_ raw: String, owner: CountryDialing?, dialPrefixes: [String]) -> Reading {
        let text = trimmed(raw)
        if withheldWords.contains(text.lowercased()) { return .withheld }
        // Formatting other than parentheses goes first, so "+44 ( 0 ) 20" and "+44(0)20" look alike.
        let compact = String(text.filter { !isSeparator($0) })
        // "+44 (0)20 7946 0018": the bracketed 0 is the trunk prefix, written for callers at home. Italy's is part
        // of the number, so the bracketed digit is dropped only if that gives a valid number, else kept.
        if let withoutTrunk = removingBracketedTrunk(compact),
            case .international(let number) = reading(compact: withoutTrunk, owner: owner, dialPrefixes: dialPrefixes)
        {
            return .international(number)
        }
        return reading(compact: compact, owner: owner, dialPrefixes: dialPrefixes)
    }

    private static func reading(compact: String, owner: CountryDialing?, dialPrefixes: [String]) -> Reading {
        guard let (isInternational, digits) = symbols(compact) else { return .unknown }
        if isInternational {
            return international(Substring(digits)).map(Reading.international) ?? .unknown
        }
        guard digits.contains(where: { $0 != "0" }) else { return .unknown }  // empty, "0", "0000000000"
        for prefix in dialPrefixes where digits.hasPrefix(prefix) && digits.count > prefix.count {
            if let number = completeNumber(String(digits.dropFirst(prefix.count)), owner: owner) {
                return .international(number)
            }
        }
        if let number = completeNumber(digits, owner: owner) { return .international(number) }
        if (minimumExtensionLength...maximumExtensionLength).contains(digits.count) {
            return .internalExtension(digits)
        }
        return .unknown
    }

    /// `digits` (no "+") as an E.164 number when they form a complete outside number for an owner in `owner`.
    private static func completeNumber(_ digits: String, owner: CountryDialing?) -> String? {
        if let owner, digits.hasPrefix(owner.internationalPrefix),
            let number = international(digits.dropFirst(owner.internationalPrefix.count))
        {
            return number
        }
        // "00" is the international prefix almost everywhere (and the only one assumed without an owner country).
        // In the NANP, Australia and Japan it is not, but no national number there starts with "00", so reading it
        // as international is safe whenever the result is a valid number.
        if owner?.internationalPrefix != "00", digits.hasPrefix("00"), let number = international(digits.dropFirst(2)) {
            return number
        }
        guard let owner else { return nil }
        if let nsn = owner.nationalSignificantNumber(fromNational: digits) {
            return "+" + owner.callingCode + nsn
        }
        // The owner's calling code without "+", as many SIP trunks send it ("442079460018"). Tried after the
        // national reading so that a national number that happens to start with those digits keeps its meaning.
        if digits.hasPrefix(owner.callingCode), let number = international(Substring(digits)),
            number.hasPrefix("+" + owner.callingCode)
        {
            return number
        }
        return nil
    }

    /// `digits` after a "+" or an international prefix, as E.164, or nil when they cannot be a real number.
    private static func international(_ digits: Substring) -> String? {
        guard let callingCode = CountryDialing.callingCode(prefixing: digits) else { return nil }
        var nsn = digits.dropFirst(callingCode.count)
        if let country = CountryDialing.byCallingCode(callingCode), !country.isValidNationalSignificantNumber(nsn) {
            guard let repaired = country.repairedNationalSignificantNumber(nsn) else { return nil }
            nsn = repaired
        }
        guard !nsn.isEmpty,
            (minimumInternationalDigits...maximumInternationalDigits).contains(callingCode.count + nsn.count)
        else { return nil }
        return "+" + callingCode + nsn
    }

    /// Splits formatting-free text into "started with +" and its digits; nil when anything but digits and one
    /// leading "+" (parentheses aside) is present.
    private static func symbols(_ compact: String) -> (isInternational: Bool, digits: String)? {
        var isInternational = false
        var digits = ""
        for character in compact {
            if CountryDialing.isDigit(character) {
                digits.append(character)
            } else if character == "+", !isInternational, digits.isEmpty {
                isInternational = true  // "(+44) 20 …" is fine; "++1…" and "1+2" are not
            } else if character != "(", character != ")" {
                return nil
            }
        }
        return (isInternational, digits)
    }

    /// `compact` with its first "(0)" removed, when that "(0)" follows some digits (the international convention);
    /// nil otherwise. "(0)30 1234" in national form keeps its 0 through the ordinary path.
    private static func removingBracketedTrunk(_ compact: String) -> String? {
        let characters = Array(compact)
        var index = 0
        while index + 2 < characters.count {
            if characters[index] == "(", characters[index + 1] == "0", characters[index + 2] == ")" {
                let before = characters[..<index]
                guard before.contains(where: CountryDialing.isDigit) else { return nil }
                return String(before) + String(characters[(index + 3)...])
            }
            index += 1
        }
        return nil
    }

    /// Formatting characters: whitespace (including no-break spaces from copied text), dashes of every Unicode
    /// flavour, dots and slashes. Parentheses are handled by `symbols` so "(0)" can be recognised first.
    private static func isSeparator(_ character: Character) -> Bool {
        if character.isWhitespace { return true }
        switch character {
        case "-", ".", "/", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2015}", "\u{2212}":
            return true
        default:
            return false
        }
    }

    private static func trimmed(_ text: String) -> String {
        let start = text.drop(while: \.isWhitespace)
        var end = start.endIndex
        while end > start.startIndex, start[start.index(before: end)].isWhitespace {
            end = start.index(before: end)
        }
        return String(start[..<end])
    }
}
