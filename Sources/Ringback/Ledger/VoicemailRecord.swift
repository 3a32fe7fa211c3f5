public import Foundation
public import GRDB
public import RingbackCore

/// One voicemail in the ledger: where it is in the pipeline and where its callback stands.
public struct VoicemailRecord: Sendable, Codable, Equatable, Identifiable {
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Probed and recorded; not yet transcribed.
        case received
        /// Transcript stored (or transcription not configured); the card is not yet sent.
        case transcribed
        /// The card was delivered.
        case notified
        /// The mail server refused the card for good (5xx, an untrusted certificate): not retried by itself;
        /// `ringback outbox retry ID` or a `reprocess` of the file sends it again.
        case undeliverable
        /// No card by design: judged spam, or a missed call that `callbacks.missed_calls: digest` lists only in the
        /// digest. "Not spam" makes the card owed again.
        case withheld
    }

    public enum Kind: String, Sendable, Codable, CaseIterable {
        case voicemail
        /// Too short or silent to hold a message: a hang-up that still deserves a callback.
        case missedCall = "missed_call"
    }

    /// Where the transcript stands. A transcription failure never holds the card back: the card goes out saying so,
    /// and the transcript follows in the same thread when an engine delivers it.
    public enum TranscriptStatus: String, Sendable, Codable, CaseIterable {
        /// Not yet tried.
        case pending
        /// On the card.
        case done
        /// Nothing to transcribe: no engine configured, or a missed call.
        case skipped
        /// Every engine failed; the card went out without it and the ledger keeps trying.
        case retrying
        /// Arrived after the card; the follow-up mail is not yet sent.
        case followUpDue = "follow_up_due"
        /// Sent as a reply to the card.
        case followedUp = "followed_up"
        /// Still failing when the follow-up window closed.
        case abandoned
    }

    public enum CallbackState: String, Sendable, Codable, CaseIterable {
        case open
        /// Called back.
        case done
        /// Put off until `callbackSnoozedUntil`; open again after it.
        case snoozed
        /// Closed without a call: a wrong number, a sales pitch, handled another way.
        case noCallbackNeeded = "no_callback_needed"

        public var isClosed: Bool { self == .done || self == .noCallbackNeeded }
    }

    public var id: Int64?
    /// `msg_id:…` or `sha256:…`, unique.
    public var key: String
    public var sourcePath: String
    public var state: State
    public var receivedAt: Date
    public var callerName: String?
    public var callerNumber: String?
    public var callerRaw: String
    public var durationMs: Int64
    public var format: String
    public var isUrgent: Bool
    public var kind: Kind
    public var mailbox: String?
    public var mailboxContext: String?
    public var transcript: String?
    public var transcriptEngine: String?
    public var transcriptStatus: TranscriptStatus
    /// 0…1 when the engine gave one.
    public var transcriptConfidence: Double?
    /// From the offline engine: labelled as a draft.
    public var transcriptIsDraft: Bool
    /// Why the card went out without a transcript, in plain words.
    public var transcriptFailure: String?
    /// Failed attempts at the unfinished step (the card, or after it the transcript), and why the last one failed.
    public var attempts: Int
    public var lastError: String?
    public var nextAttemptAt: Date?
    public var messageID: String
    public var notifiedAt: Date?
    public var dueAt: Date
    public var callbackState: CallbackState
    public var callbackClosedAt: Date?
    public var callbackClosedBy: String?
    public var callbackSnoozedUntil: Date? = nil
    /// Calls that went unanswered ("tried"): recorded, the callback stays open.
    public var callbackTries: Int = 0
    /// A repeat call from a number with a callback already open: this call is listed under that callback (its id),
    /// not tracked on its own.
    public var foldedInto: Int64? = nil
    /// Another number the caller said to call back on (E.164), from the transcript: an answered call to it closes the
    /// callback as one to the caller ID does.
    public var spokenNumber: String? = nil
    /// The language the engine heard (`en`, `es`), detected or configured.
    public var transcriptLanguage: String? = nil
    /// The transcript's timed pieces, where the engine gave them.
    public var transcriptSegments: [Transcript.Segment]? = nil
    /// A missed call from the call records: how long the caller waited for someone, and how the call ended.
    public var ringSeconds: Int? = nil
    public var missedEnding: CallRecord.Ending? = nil
    /// The PBX's id of the call (Asterisk `linkedid`/`uniqueid`): its other rows are the same case.
    public var callID: String? = nil
    /// Why the call was judged spam (no card, no reminders; listed in the digest); nil when it was not.
    public var spamReason: String? = nil
    public var createdAt: Date
    public var updatedAt: Date

    /// The card is out but the transcript is still owed (being retried, or its follow-up not yet sent).
    public var awaitsTranscript: Bool { transcriptStatus == .retrying || transcriptStatus == .followUpDue }

    /// Stores what an engine heard.
    mutating func apply(_ transcript: Transcript) {
        self.transcript = TextSafety.text(transcript.text)
        transcriptEngine = transcript.engine
        transcriptConfidence = transcript.confidence
        transcriptIsDraft = transcript.isOfflineDraft
        transcriptLanguage = transcript.language
        transcriptSegments = transcript.segments.isEmpty ? nil : transcript.segments
        transcriptStatus = .done
        transcriptFailure = nil
    }

    /// Something is left to do and its retry time has come.
    public func needsWork(at now: Date) -> Bool {
        ((state != .notified && state != .undeliverable && state != .withheld) || awaitsTranscript) && (nextAttemptAt ?? .distantPast) <= now
    }

    /// The card's token, from its Message-ID `<ringback.TOKEN@domain>`: replies and reminders derive theirs from it.
    public var token: String {
        var text = Substring(messageID)
        if text.hasPrefix("<ringback.") { text = text.dropFirst("<ringback.".count) }
        return String(text.prefix { $0 != "@" && $0 != ">" })
    }

    /// `<ringback.TOKEN@example.com>`: the card's Message-ID, which its replies and reminders derive theirs from.
    public static func messageID(token: String, domain: String) -> String {
        "<ringback.\(token)@\(domain)>"
    }

    /// Where the callback stands at `now`: a snooze that has run out is open again.
    public func callbackState(at now: Date) -> CallbackState {
        callbackState == .snoozed && (callbackSnoozedUntil ?? .distantPast) <= now ? .open : callbackState
    }

    /// The caller as the card shows it, re-read from what the PBX wrote with the owner's country rules.
    public func caller(owner: OwnerConfig) -> CallerID { CallerID(parsing: callerRaw, owner: owner) }
}

extension VoicemailRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "voicemail"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    public enum Columns {
        public static let key = Column(CodingKeys.key)
        public static let state = Column(CodingKeys.state)
        public static let dueAt = Column(CodingKeys.dueAt)
        public static let callbackState = Column(CodingKeys.callbackState)
        public static let receivedAt = Column(CodingKeys.receivedAt)
    }
}
