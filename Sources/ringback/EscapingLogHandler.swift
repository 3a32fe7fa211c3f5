import Logging
import RingbackCore

/// Every log line as one line: control characters and bidi overrides in the message and metadata (a file name
/// with a newline, a caller name with ESC) are written as `\u{…}`, so nothing a PBX or caller supplies can forge a
/// line in the journal.
struct EscapingLogHandler: LogHandler {
    var wrapped: any LogHandler

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        event.message = "\(TextSafety.escaped(event.message.description))"
        event.metadata = event.metadata.map { $0.mapValues(Self.escaped) }
        wrapped.log(event: event)
    }

    static func escaped(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(TextSafety.escaped(text))
        case .stringConvertible(let item): .string(TextSafety.escaped(item.description))
        case .array(let items): .array(items.map(escaped))
        case .dictionary(let items): .dictionary(items.mapValues(escaped))
        }
    }
}
