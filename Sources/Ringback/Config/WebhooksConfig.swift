import Foundation
public import RingbackCore

/// What happened, as a webhook receiver (a CRM, a chat, a dashboard) hears it. Payloads: `docs/webhooks.schema.json`.
public enum WebhookEventType: String, Sendable, Codable, CaseIterable {
    /// A voicemail is in the ledger (its recording read; before its transcript and card).
    case voicemailReceived = "voicemail.received"
    /// A voicemail's transcript is stored (with how far it may be trusted).
    case transcriptReady = "transcript.ready"
    /// The owner's card went out (a voicemail's or a missed call's).
    case cardSent = "card.sent"
    /// A callback is owed: its card went out or the digest lists it, or it opened again.
    case callbackOpened = "callback.opened"
    /// An open callback's deadline is near (`callbacks.remind_before`, or 30 minutes).
    case callbackDueSoon = "callback.due_soon"
    /// An open callback's deadline passed.
    case callbackOverdue = "callback.overdue"
    /// Called back, closed without a call, or judged spam.
    case callbackClosed = "callback.closed"
    /// The caller was texted (`caller_texts`): the first text, or a running-late update.
    case callerTextSent = "caller_text.sent"
}

/// One `webhooks:` entry: where events go, the key they are signed with (Standard Webhooks 1.0), which events.
public struct WebhookEndpointConfig: Sendable, Decodable {
    public var url: String
    /// `whsec_` and base64 (as Standard Webhooks' libraries make them), or any text of 16 characters or more.
    public var secret: Secret
    public var events: Set<WebhookEventType>
    public var timeout: ConfigDuration

    public init(url: String, secret: Secret, events: Set<WebhookEventType> = Set(WebhookEventType.allCases), timeout: ConfigDuration = .init(.seconds(10))) {
        self.url = url
        self.secret = secret
        self.events = events
        self.timeout = timeout
    }

    /// How the ledger and `ringback outbox` name this endpoint: its URL with any query string (which may carry a
    /// key) replaced by a digest of it, so two endpoints differing only there stay apart and nothing secret is shown.
    public var name: String {
        guard let mark = url.firstIndex(of: "?") else { return url }
        let query = url[url.index(after: mark)...]
        // FNV-1a: a stable, short fingerprint; not for security (the query is not recoverable from 32 bits anyway).
        var hash: UInt32 = 2_166_136_261
        for byte in query.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return url[..<mark] + "?" + String(format: "%08x", hash)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case url, secret, events, timeout
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decodeNonEmpty(.url)
        guard url.hasPrefix("https://") || url.hasPrefix("http://127.0.0.1") || url.hasPrefix("http://localhost") else {
            throw container.invalid(.url, "must be https:// (events carry callers' numbers and what they said), found \"\(url)\"")
        }
        guard let secret = try container.decodeIfPresent(Secret.self, forKey: .secret), secret.value.count >= 16 else {
            throw ConfigError(
                .missing, key: (container.codingPath + [CodingKeys.secret]).dotted,
                "each webhook needs a signing secret of at least 16 characters (whsec_ and base64, or any text)")
        }
        if secret.value.hasPrefix("whsec_"), Data(base64Encoded: String(secret.value.dropFirst(6))) == nil {
            throw container.invalid(.secret, "starts with whsec_ but what follows is not base64")
        }
        self.secret = secret
        if let names = try container.decodeIfPresent([String].self, forKey: .events) {
            var events = Set<WebhookEventType>()
            for name in names {
                guard let event = WebhookEventType(rawValue: name) else {
                    throw container.invalid(
                        .events, "\"\(name)\" is not an event; expected some of \(WebhookEventType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                events.insert(event)
            }
            guard !events.isEmpty else { throw container.invalid(.events, "is empty: leave it out for every event") }
            self.events = events
        } else {
            events = Set(WebhookEventType.allCases)
        }
        timeout = try container.decodeIfPresent(ConfigDuration.self, forKey: .timeout) ?? .init(.seconds(10))
    }
}
