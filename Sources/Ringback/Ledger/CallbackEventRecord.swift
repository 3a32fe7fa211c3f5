public import Foundation
public import GRDB

/// One change to a callback: what, who or what made it, when, and any note. The history `callbacks show` prints.
public struct CallbackEventRecord: Sendable, Codable, Equatable {
    public enum Action: String, Sendable, Codable, CaseIterable {
        /// Called back: the callback is closed.
        case done
        /// Called, nobody answered: recorded, still open.
        case tried
        case snoozed
        case noCallbackNeeded = "no_callback_needed"
        case reopened
        /// Judged spam: closed without a card.
        case spam
        /// A spam verdict undone.
        case notSpam = "not_spam"
        /// The caller was texted a later time (running late): the deadline moved to it.
        case runningLate = "running_late"
    }

    /// Who made the change.
    public enum Actor: String, Sendable, Codable, CaseIterable {
        case cli
        /// A signed one-click link from a card or reminder.
        case link
        /// The PBX's call records: the owner called the number.
        case cdr
        /// Ringback's spam filter (`callbacks.spam`).
        case filter
        /// A text to the caller (`caller_texts`): the running-late update moved the deadline it announced.
        case texts
    }

    public var id: Int64?
    public var voicemailID: Int64
    public var action: Action
    public var actor: Actor
    public var at: Date
    public var note: String?
    /// For `snoozed`: until when.
    public var until: Date?
}

extension CallbackEventRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "callbackEvent"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
