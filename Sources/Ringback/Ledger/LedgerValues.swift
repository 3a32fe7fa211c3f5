public import Foundation

// What the ledger's intents take and give besides records: filters, changes, the digest's figures.

public enum OutboxFilter: String, Sendable, CaseIterable {
    /// Queued or failed: what still needs a delivery or a person.
    case unsent
    case failed
    case all
}

/// What a digest reports, read in one transaction.
public struct DigestFacts: Sendable {
    /// Open callbacks, soonest deadline first.
    public var open: [VoicemailRecord]
    /// Callbacks closed since the last digest.
    public var closed: [VoicemailRecord]
    /// Callbacks due in the last seven days that were called back (or needed none), and of those on time.
    public var dueThisWeek: Int
    public var onTimeThisWeek: Int
    /// Seconds from the call to the callback, for callbacks made in the last seven days.
    public var callbackTimesThisWeek: [TimeInterval]
    /// Mail the server refused for good.
    public var refusedMail: [OutboxRecord]
    /// Calls judged spam since the last digest (closed without a card), with their reasons.
    public var spam: [VoicemailRecord] = []
    /// The repeat calls folded into each open callback, by its id: "3 calls, 1 message".
    public var joined: [Int64: [VoicemailRecord]] = [:]
    /// The callbacks due in the last seven days (those `dueThisWeek` counts), for the chart by day.
    public var dueThisWeekRecords: [VoicemailRecord] = []
    /// The text each open callback's caller got (or may have got, or is waiting for), by callback id.
    public var texts: [Int64: CallerTextRecord] = [:]

    public init(
        open: [VoicemailRecord], closed: [VoicemailRecord], dueThisWeek: Int, onTimeThisWeek: Int,
        callbackTimesThisWeek: [TimeInterval], refusedMail: [OutboxRecord], spam: [VoicemailRecord] = [], joined: [Int64: [VoicemailRecord]] = [:],
        dueThisWeekRecords: [VoicemailRecord] = []
    ) {
        self.open = open
        self.closed = closed
        self.dueThisWeek = dueThisWeek
        self.onTimeThisWeek = onTimeThisWeek
        self.callbackTimesThisWeek = callbackTimesThisWeek
        self.refusedMail = refusedMail
        self.spam = spam
        self.joined = joined
        self.dueThisWeekRecords = dueThisWeekRecords
    }
}

public enum CallbackFilter: String, Sendable, CaseIterable {
    case open, overdue, all
}

/// What a person (or the call records) did about a callback.
public enum CallbackChange: Sendable, Equatable {
    case done
    case tried
    case snooze(until: Date)
    case noCallbackNeeded
    case reopen
    /// Judged spam (`reason`): closed, no card owed; `block` (E.164) goes on the ledger's blocklist.
    case spam(reason: String, block: String?)
    /// A spam verdict undone: open again, due `dueAt`, its card owed if it never went out, its number off the blocklist.
    case notSpam(dueAt: Date)
    /// The caller was told a later time: the deadline moves to it (an open callback only).
    case runningLate(dueAt: Date)
}

/// What one outbound call did to the open callbacks for its number.
public struct CallOutcome: Sendable, Equatable {
    public var voicemailID: Int64
    public var action: CallbackEventRecord.Action
}

/// Who holds a claim: this process now, or another one until its lease runs out.
public enum Claim: Sendable, Equatable {
    case granted
    case held(by: String, until: Date)
}

/// What the ledger holds that webhook events are made from: voicemails changed since a moment, the open callbacks
/// due since it, callback changes and texts sent since it, and every record they name.
public struct WebhookFacts: Sendable {
    public var changed: [VoicemailRecord]
    public var open: [VoicemailRecord]
    public var events: [CallbackEventRecord]
    public var texts: [CallerTextRecord]
    public var records: [Int64: VoicemailRecord]
}
