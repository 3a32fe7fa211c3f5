/// A problem in `pipeline.yml`, naming the key so the admin knows what to fix.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unreadable = "config.unreadable"
        case syntax = "config.syntax"
        case unknownKey = "config.unknown_key"
        case wrongType = "config.wrong_type"
        case missing = "config.missing"
        case invalid = "config.invalid"
        case unsetVariable = "config.unset_variable"
    }

    public var code: Code
    /// Dotted path to the key: `mail.smtp.password`, `transcription.engines[0].url`.
    public var key: String
    public var message: String
    public var file: String?

    public init(_ code: Code, key: String, _ message: String, file: String? = nil) {
        self.code = code
        self.key = key
        self.message = message
        self.file = file
    }

    public var description: String {
        let location = file.map { "\($0): " } ?? ""
        return key.isEmpty ? "\(location)\(message)" : "\(location)\(key): \(message)"
    }
}

extension [any CodingKey] {
    /// `transcription.engines[0].url` from a decoder's coding path.
    var dotted: String {
        var text = ""
        for key in self {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }
}
