public import Foundation
public import GRDB

/// One event owed one webhook endpoint: written once (its key is unique per endpoint, whichever process sees the
/// event first), then tried until the endpoint takes it. Delivered at least once; `eventID` is the same on every
/// try, so a receiver recognises a repeat.
public struct WebhookDeliveryRecord: Sendable, Codable, Equatable, Identifiable {
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Not taken yet: the first try is under way, or a failure waits for `nextAttemptAt`.
        case queued
        /// The endpoint answered 2xx.
        case sent
        /// Every try failed (about a day of back-off): not tried again until `ringback outbox retry --webhook ID`.
        case failed
    }

    public var id: Int64?
    /// `webhooks[].url`.
    public var endpoint: String
    /// `webhook-id`: `msg_` and a digest of `key`, stable across tries and processes.
    public var eventID: String
    public var type: String
    /// What the event is about, unique per endpoint: `card.sent:12`, `callback.overdue:12:1795453860`.
    public var key: String
    public var voicemailID: Int64
    /// The JSON body, fixed when the event is recorded: every try sends the same bytes.
    public var payload: String
    public var state: State
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastError: String?
    public var responseCode: Int?
    /// When the event happened.
    public var occurredAt: Date
    public var createdAt: Date
    public var updatedAt: Date
    public var sentAt: Date?

    public init(endpoint: String, eventID: String, type: String, key: String, voicemailID: Int64, payload: String, occurredAt: Date, at now: Date) {
        self.endpoint = endpoint
        self.eventID = eventID
        self.type = type
        self.key = key
        self.voicemailID = voicemailID
        self.payload = payload
        self.occurredAt = occurredAt
        state = .queued
        attempts = 0
        createdAt = now
        updatedAt = now
    }
}

extension WebhookDeliveryRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "webhookDelivery"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
