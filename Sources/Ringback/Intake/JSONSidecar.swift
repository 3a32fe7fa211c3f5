public import Foundation

/// `NAME.json` beside a recording: `{"caller_name", "caller_number", "received_at" (ISO 8601), "mailbox"}`.
public struct JSONSidecar: Sendable {
    public var callerName: String?
    public var callerNumber: String?
    public var receivedAt: Date?
    public var mailbox: String?
    public var fields: [String: String]

    public init(contentsOf url: URL) throws(IntakeError) {
        guard let data = try? Data(contentsOf: url) else { throw .malformedSidecar(path: url.path, reason: "cannot read") }
        guard data.count <= AsteriskSidecar.maximumSize else {
            throw .malformedSidecar(path: url.path, reason: "\(data.count) bytes is far larger than a caller description")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .malformedSidecar(path: url.path, reason: "not a JSON object")
        }
        var fields: [String: String] = [:]
        for (key, value) in object {
            if let text = value as? String { fields[key] = text } else if let number = value as? NSNumber { fields[key] = number.stringValue }
        }
        callerName = fields["caller_name"].flatMap { $0.isEmpty ? nil : $0 }
        callerNumber = fields["caller_number"].flatMap { $0.isEmpty ? nil : $0 }
        mailbox = fields["mailbox"].flatMap { $0.isEmpty ? nil : $0 }
        if let text = fields["received_at"] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            guard let date = ISO8601DateFormatter().date(from: text) ?? formatter.date(from: text) else {
                throw .malformedSidecar(path: url.path, reason: "received_at \"\(text)\" is not an ISO 8601 time")
            }
            receivedAt = date
        }
        self.fields = fields
    }
}
