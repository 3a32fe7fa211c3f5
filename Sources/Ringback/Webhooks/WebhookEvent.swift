public import Foundation

/// One thing that happened, as every endpoint that wants its type receives it: `{"type", "timestamp", "data"}`, the
/// data naming the callback and where it stands. The schema is `docs/webhooks.schema.json`.
public struct WebhookEvent: Sendable {
    public var type: WebhookEventType
    /// Unique per event: `card.sent:12`, `callback.overdue:12:1795453860` (a moved deadline is a new event).
    public var key: String
    public var voicemailID: Int64
    public var occurredAt: Date
    /// The JSON body, sorted keys.
    public var payload: String

    /// `detail` adds the event's own part to the data (`transcript`, `card`, `closed`, `text`).
    init(_ type: WebhookEventType, key: String, record: VoicemailRecord, at occurredAt: Date, now: Date, detail: [String: Any] = [:]) {
        self.type = type
        self.key = key
        voicemailID = record.id ?? 0
        self.occurredAt = occurredAt
        var data = Self.callback(record, now: now)
        data.merge(detail) { _, new in new }
        let body: [String: Any] = ["type": type.rawValue, "timestamp": Self.time(occurredAt), "data": data]
        let json = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        payload = String(decoding: json, as: UTF8.self)
    }

    /// What every event says about its callback.
    static func callback(_ record: VoicemailRecord, now: Date) -> [String: Any] {
        [
            "voicemail_id": record.id ?? 0,
            "callback_id": record.foldedInto ?? record.id ?? 0,
            "kind": record.kind.rawValue,
            "caller": ["name": record.callerName ?? NSNull(), "number": record.callerNumber ?? NSNull()] as [String: Any],
            "received_at": time(record.receivedAt),
            "due_at": time(record.dueAt),
            "state": record.callbackState(at: now).rawValue,
            "urgent": record.isUrgent,
            "duration_seconds": record.kind == .voicemail ? Double(record.durationMs) / 1000 : NSNull(),
            "mailbox": record.mailbox ?? NSNull(),
            "spam": record.spamReason ?? NSNull(),
        ]
    }

    /// `2026-11-24T14:32:05Z`
    static func time(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
