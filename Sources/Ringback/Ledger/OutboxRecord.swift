public import Foundation
public import GRDB

/// One message Ringback owes a mail server: written before the first try, updated after each.
public struct OutboxRecord: Sendable, Codable, Equatable, Identifiable {
    public enum Purpose: String, Sendable, Codable {
        case card
        /// The transcript sent as a reply to its card.
        case transcript
        /// A reminder or escalation in the card's thread.
        case reminder
    }

    public enum State: String, Sendable, Codable, CaseIterable {
        /// Not delivered yet: the first try is under way, or a transient failure (4xx, no connection) waits for the next.
        case queued
        /// At least one recipient took it.
        case sent
        /// The server refused it for good (5xx, an untrusted certificate, no STARTTLS): not retried until
        /// `ringback outbox retry ID`.
        case failed
    }

    public var id: Int64?
    public var voicemailID: Int64
    public var purpose: Purpose
    public var messageID: String
    /// The envelope recipients, comma-separated.
    public var recipients: String
    public var state: State
    public var attempts: Int
    public var lastError: String?
    public var responseCode: Int?
    /// Recipients that refused a message the others took, with the server's reply.
    public var refused: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var sentAt: Date?
}

extension OutboxRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "outbox"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
