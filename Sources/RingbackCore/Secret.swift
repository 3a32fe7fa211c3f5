/// A password or API key. Prints as `<redacted>` so it never reaches a log line or `--json` output.
public struct Secret: Sendable, Hashable, Decodable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(String.self)
    }

    public var isEmpty: Bool { value.isEmpty }

    /// `text` with every occurrence of this secret replaced: servers echo a wrong key back in their error message.
    public func redact(in text: String) -> String {
        value.count < 4 ? text : text.replacingOccurrences(of: value, with: "<redacted>")
    }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

extension Secret: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
