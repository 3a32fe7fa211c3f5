public import Foundation

/// A filename pattern with named fields, for PBXs that put the caller in the name (3CX exports, scripts):
/// `{number}_{received:yyyyMMdd-HHmmss}_{mailbox}.wav`, `{name} ({number}) {received:yyyy-MM-dd HH.mm}.wav`.
///
/// Fields: `{number}`, `{name}`, `{mailbox}`, `{received:FORMAT}` (Unicode date pattern letters), `{*}` (anything).
public struct FilenamePattern: Sendable {
    public struct Match: Sendable, Equatable {
        public var number: String?
        public var name: String?
        public var mailbox: String?
        public var received: Date?
    }

    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public let source: String
    private let expression: String
    private let dateFormat: String?

    public init(_ pattern: String) throws(Invalid) {
        var regex = "^"
        var dateFormat: String?
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{") {
            regex += NSRegularExpression.escapedPattern(for: String(rest[..<open]))
            guard let close = rest[open...].firstIndex(of: "}") else { throw Invalid(description: "unclosed { in \"\(pattern)\"") }
            let field = rest[rest.index(after: open)..<close]
            switch field {
            case "number": regex += "(?<number>[+0-9][0-9 ().-]*?)"
            case "name": regex += "(?<name>.+?)"
            case "mailbox": regex += "(?<mailbox>[^/]+?)"
            case "*": regex += ".*?"
            case let field where field.hasPrefix("received:"):
                let format = String(field.dropFirst("received:".count))
                guard !format.isEmpty, dateFormat == nil else { throw Invalid(description: "one {received:FORMAT} with a format, please") }
                dateFormat = format
                regex += "(?<received>" + format.map { $0.isLetter ? "[0-9A-Za-z]" : NSRegularExpression.escapedPattern(for: String($0)) }.joined() + ")"
            default:
                throw Invalid(description: "unknown field {\(field)} (use {number}, {name}, {mailbox}, {received:FORMAT} or {*})")
            }
            rest = rest[rest.index(after: close)...]
        }
        regex += NSRegularExpression.escapedPattern(for: String(rest)) + "$"
        guard (try? NSRegularExpression(pattern: regex)) != nil else { throw Invalid(description: "cannot compile \"\(pattern)\"") }
        self.source = pattern
        self.expression = regex
        self.dateFormat = dateFormat
    }

    /// The fields of `filename`, or nil when it does not have the pattern's shape.
    public func match(_ filename: String, timeZone: TimeZone) -> Match? {
        guard let regex = try? NSRegularExpression(pattern: expression) else { return nil }
        let range = NSRange(filename.startIndex..., in: filename)
        guard let result = regex.firstMatch(in: filename, range: range) else { return nil }
        func group(_ name: String) -> String? {
            let nsRange = result.range(withName: name)
            guard nsRange.location != NSNotFound, let range = Range(nsRange, in: filename) else { return nil }
            let value = filename[range].trimmingCharacters(in: .whitespaces)
            return value.isEmpty ? nil : value
        }
        var match = Match(number: group("number"), name: group("name"), mailbox: group("mailbox"))
        if let text = group("received"), let dateFormat {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = timeZone
            formatter.dateFormat = dateFormat
            guard let date = formatter.date(from: text) else { return nil }
            match.received = date
        }
        return match
    }
}
