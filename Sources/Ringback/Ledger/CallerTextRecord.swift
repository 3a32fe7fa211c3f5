public import Foundation
public import GRDB

/// One text to a caller: reserved in the ledger before it is sent, so it goes at most once; what happened to it.
public struct CallerTextRecord: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Reserved and being handed to the provider now. Found so after a crash, nobody knows whether it went out:
        /// it becomes `ambiguous`, never sent again.
        case sending
        /// The provider took it.
        case sent
        /// Not sent yet: quiet hours (`quiet: wait`), or a failure worth retrying; tried again at `nextAttemptAt`.
        case waiting
        /// The request went out and no answer came back: it may have reached the caller. Shown, not retried.
        case ambiguous
        /// The provider refused it for good, or the caller had opted out there.
        case refused
        /// Not sent by rule (`reason` says which: opted out, within the cooldown, quiet hours, called back already).
        case skipped
        /// `dry_run: true`: what would have been sent.
        case dryRun = "dry_run"
    }

    public var id: Int64?
    public var voicemailID: Int64
    /// `first`: the text when the callback opens; `late`: the running-late update; `urgent:+1…`: the owner's alert.
    public var kind: String
    /// E.164.
    public var number: String
    public var body: String?
    /// The time the text promises the caller a call by (`first`, `late`): the callback's deadline when it goes.
    public var promisedBy: Date?
    public var state: State
    public var reason: String?
    public var provider: String?
    /// The provider's id for the message (Twilio `SM…`).
    public var providerID: String?
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var sentAt: Date?

    public init(voicemailID: Int64, kind: String, number: String, state: State, reason: String? = nil, promisedBy: Date? = nil, at now: Date) {
        self.voicemailID = voicemailID
        self.promisedBy = promisedBy
        self.kind = kind
        self.number = number
        self.state = state
        self.reason = reason
        attempts = 0
        createdAt = now
        updatedAt = now
    }
}

extension CallerTextRecord {
    /// The text when a callback opens.
    public static let first = "first"
    /// The one update when the callback runs late, with a new time.
    public static let late = "late"

    /// A text to the caller (not the owner's urgent alert).
    public var isToCaller: Bool { kind == Self.first || kind == Self.late }

    /// Sent, possibly sent, or about to be: what the caller was (or will be) told.
    public var told: Bool { state == .sent || state == .ambiguous || state == .waiting || state == .sending }
}

extension CallerTextRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "callerText"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
