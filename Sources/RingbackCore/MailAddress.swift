/// A mailbox: `Ringback <voicemail@example.com>` or `owner@example.com`.
public struct MailAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    public var name: String?
    public var address: String

    public init(name: String? = nil, address: String) {
        self.name = name
        self.address = address
    }

    /// Accepts `Name <addr>`, `"Name" <addr>` and bare `addr`; rejects control characters (header injection).
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        var name: String?
        var address = trimmed
        if let open = trimmed.lastIndex(of: "<"), trimmed.hasSuffix(">") {
            address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            let display = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            let unquoted = display.hasPrefix("\"") && display.hasSuffix("\"") && display.count >= 2 ? String(display.dropFirst().dropLast()) : display
            name = unquoted.isEmpty ? nil : unquoted
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !address.contains(where: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "," || $0 == "\"" })
        else { return nil }
        self.init(name: name, address: address)
    }

    public var domain: String { address.split(separator: "@").last.map(String.init) ?? "localhost" }

    public var description: String {
        guard let name else { return address }
        return "\(name) <\(address)>"
    }
}
