/// Who called, as the PBX reported it: `"Maria Lopez" <+15551230000>`, `<5551230000>`, `5551230000`, `Unknown`.
public struct CallerID: Sendable, Codable, Equatable, CustomStringConvertible {
    public var name: String?
    /// Digits with an optional leading `+`; nil when withheld or unknown.
    public var number: String?
    /// Exactly what the PBX wrote, for the record.
    public var raw: String

    public init(name: String?, number: String?, raw: String) {
        self.name = name
        self.number = number
        self.raw = raw
    }

    public static let unknown = CallerID(name: nil, number: nil, raw: "")

    public init(parsing text: String) {
        // Control characters never survive into a name or number (they would end up in mail headers).
        let raw = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
            .trimmingCharacters(in: .whitespaces)
        var name: String?
        var numberPart = raw
        if let open = raw.lastIndex(of: "<"), let close = raw.lastIndex(of: ">"), open < close {
            numberPart = String(raw[raw.index(after: open)..<close])
            var display = raw[..<open].trimmingCharacters(in: .whitespaces)
            if display.hasPrefix("\""), display.hasSuffix("\""), display.count >= 2 {
                display = String(display.dropFirst().dropLast())
            }
            name = display.isEmpty ? nil : display
        }
        let number = Self.dialable(numberPart)
        if number == nil, name == nil, !numberPart.isEmpty, !Self.isPlaceholder(numberPart) {
            name = numberPart  // a bare name such as "Front Desk"
        }
        if let candidate = name, Self.isPlaceholder(candidate) { name = nil }
        self.init(name: name, number: number, raw: raw)
    }

    /// A number someone can call back: digits (at least three), an optional leading `+`, punctuation ignored.
    static func dialable(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let allowed = trimmed.allSatisfy { $0.isASCII && ($0.isNumber || " -().+".contains($0)) }
        guard allowed else { return nil }
        let digits = trimmed.filter(\.isNumber)
        guard digits.count >= 3 else { return nil }
        return trimmed.hasPrefix("+") ? "+" + digits : digits
    }

    static func isPlaceholder(_ text: String) -> Bool {
        ["unknown", "anonymous", "private", "restricted", "withheld", "unavailable"].contains(text.lowercased())
    }

    /// `+1 555-123-0000` for North American numbers, the digits as given otherwise.
    public var displayNumber: String? {
        guard let number else { return nil }
        let digits = number.filter(\.isNumber)
        if digits.count == 11, digits.hasPrefix("1") {
            let d = Array(digits)
            return "+1 \(String(d[1...3]))-\(String(d[4...6]))-\(String(d[7...10]))"
        }
        if digits.count == 10, !number.hasPrefix("+") {
            let d = Array(digits)
            return "(\(String(d[0...2]))) \(String(d[3...5]))-\(String(d[6...9]))"
        }
        return number
    }

    /// `tel:` URI for a one-tap call.
    public var telURI: String? { number.map { "tel:\($0)" } }

    /// `Maria Lopez (+1 555-123-0000)`, `+1 555-123-0000`, `Maria Lopez` or `Unknown caller`.
    public var description: String {
        switch (name, displayNumber) {
        case (let name?, let number?): "\(name) (\(number))"
        case (nil, let number?): number
        case (let name?, nil): name
        case (nil, nil): "Unknown caller"
        }
    }
}
