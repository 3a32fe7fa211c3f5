/// Who called, as the PBX reported it (`"Maria Lopez" <+15551230000>`, `<5551230000>`, `5551230000`,
/// `Unknown`), with the number normalised for the owner's country.
public struct CallerID: Sendable, Codable, Equatable, CustomStringConvertible {
    public var name: String?
    public var phone: PhoneNumber
    /// Exactly what the PBX wrote (control characters removed), for the record.
    public var raw: String
    /// The owner's country: how the number is shown.
    public var country: String

    public static let unknown = CallerID(parsing: "")

    public init(parsing text: String, country: String = "US", dialPrefixes: [String] = []) {
        // Control characters never survive into a name or number (they would end up in mail headers).
        let raw = TextSafety.line(text)
        var name: String?
        var numberPart = raw
        if let open = raw.lastIndex(of: "<"), let close = raw.lastIndex(of: ">"), open < close {
            numberPart = String(raw[raw.index(after: open)..<close])
            var display = raw[..<open].trimmingCharacters(in: .whitespaces)
            if display.hasPrefix("\""), display.hasSuffix("\""), display.count >= 2 {
                display = String(display.dropFirst().dropLast())
            }
            name = display
        }
        var phone = PhoneNumber(parsing: numberPart, country: country, dialPrefixes: dialPrefixes)
        if name == nil, phone.kind == .unknown, !numberPart.isEmpty, !Self.containsNumber(numberPart) {
            // A bare word: a name ("Front Desk") or a placeholder ("Unknown", "Anonymous").
            let placeholder = PhoneNumber(parsing: numberPart, country: country)
            if placeholder.kind == .withheld { phone = placeholder } else if !Self.isPlaceholder(numberPart) { name = numberPart }
        }
        self.init(name: name, phone: phone, raw: raw, country: country)
    }

    public init(name: String?, phone: PhoneNumber, raw: String, country: String) {
        var name = name?.trimmingCharacters(in: .whitespaces)
        // PBXs often repeat the number, or a placeholder, as the name.
        if let candidate = name,
            candidate.isEmpty || Self.isPlaceholder(candidate) || candidate.filter(\.isNumber) == phone.raw.filter(\.isNumber) && Self.containsNumber(candidate)
        {
            name = nil
        }
        self.name = name
        self.phone = phone
        self.raw = raw
        self.country = country
    }

    /// The key for matching repeat callers and call records: E.164, or the extension's digits.
    public var number: String? { phone.e164 ?? phone.extensionNumber }

    /// How the number is shown: nationally for the owner's country, internationally otherwise, `Ext. 1001`.
    public var displayNumber: String? {
        switch phone.kind {
        case .e164, .extension: phone.display(country: country)
        case .withheld, .unknown: nil
        }
    }

    /// A number the PBX sent that Ringback cannot read (an outside-line prefix nobody configured, a shape it does not
    /// know), as its digits (and a leading `+`): it never vanishes from the card. Nil when there is no such number.
    public var unrecognisedNumber: String? {
        guard phone.kind == .unknown else { return nil }
        let digits = phone.raw.filter { $0.isASCII && $0.isNumber }
        guard digits.count >= 3 else { return nil }
        return (phone.raw.trimmingCharacters(in: .whitespaces).hasPrefix("+") ? "+" : "") + digits
    }

    /// The likely reading of an unrecognised number: a common outside-line prefix (`9`, `0`, `8`) dropped leaves a
    /// number valid in the owner's country. Offered on the card as a guess, with the setting that would make it
    /// certain; never used as the key.
    public var likelyReading: (prefix: String, phone: PhoneNumber)? {
        guard let number = unrecognisedNumber, !number.hasPrefix("+") else { return nil }
        for prefix in ["9", "0", "8"] where number.hasPrefix(prefix) {
            let reading = PhoneNumber(parsing: number, country: country, dialPrefixes: [prefix])
            if reading.kind == .e164 { return (prefix, reading) }
        }
        return nil
    }

    /// `tel:` URI for a one-tap call; nil for withheld numbers and extensions.
    public var telURI: String? { phone.telURI }

    public var isWithheld: Bool { phone.kind == .withheld }

    /// `Maria Lopez · (555) 123-0000`, `Chen Wei (+44 20 7946 0018)`, `(555) 123-0000`, `Maria Lopez (number withheld)`, `Withheld number`, `Unknown caller`.
    public var description: String {
        switch (name, displayNumber) {
        // "(555) 123-0000" already has parentheses: no second pair around it.
        case (let name?, let number?): number.hasPrefix("(") ? "\(name) · \(number)" : "\(name) (\(number))"
        case (nil, let number?): number
        case (let name?, nil): isWithheld ? "\(name) (number withheld)" : name
        case (nil, nil): isWithheld ? "Withheld number" : "Unknown caller"
        }
    }

    public static func containsNumber(_ text: String) -> Bool {
        text.filter(\.isNumber).count >= 2
    }

    static func isPlaceholder(_ text: String) -> Bool {
        ["unknown", "anonymous", "private", "restricted", "withheld", "unavailable", "asterisk"].contains(text.lowercased())
    }
}
