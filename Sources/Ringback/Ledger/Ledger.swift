public import Foundation
public import RingbackCore

/// The ledger: every voicemail Ringback has seen, where each stands in the pipeline and where its callback stands.
///
/// The stages speak to it only through these intents, each one transaction that keeps a record's invariants, so a
/// second store (PostgreSQL, for several machines) is one more type conforming to this protocol. `SQLiteLedger` is
/// the one-machine store.
public protocol Ledger: Sendable {
    /// Where the ledger is, for messages (a path, never a password).
    var path: String { get }

    // MARK: Voicemails, attempts, rejections, the files intake has seen

    func voicemail(key: String) async throws(LedgerError) -> VoicemailRecord?
    func voicemail(id: Int64) async throws(LedgerError) -> VoicemailRecord?
    /// Inserts the voicemail unless its key is already there; returns the stored row either way.
    func insertIfAbsent(_ record: VoicemailRecord) async throws(LedgerError) -> (record: VoicemailRecord, inserted: Bool)
    func recordAttempt(_ attempt: TranscriptionAttemptRecord) async throws(LedgerError)
    func attempts(voicemailID: Int64) async throws(LedgerError) -> [TranscriptionAttemptRecord]
    func recordRejection(_ rejection: RejectionRecord) async throws(LedgerError)
    func rejections() async throws(LedgerError) -> [RejectionRecord]
    /// Voicemails whose card, or whose transcript after the card, is still owed and whose retry time has come.
    func pending(dueBy now: Date) async throws(LedgerError) -> [VoicemailRecord]
    /// When the next voicemail held up, or owed a transcript, is due to be tried again (after `now`).
    func nextAttempt(after now: Date) async throws(LedgerError) -> Date?
    func counts() async throws(LedgerError) -> [VoicemailRecord.State: Int]
    /// Texts by state and webhook deliveries by state, for `/metrics`.
    func textAndWebhookCounts() async throws(LedgerError) -> (texts: [CallerTextRecord.State: Int], webhooks: [WebhookDeliveryRecord.State: Int])
    func intakeFile(path: String) async throws(LedgerError) -> IntakeFileRecord?
    func remember(_ file: IntakeFileRecord) async throws(LedgerError)

    // MARK: Claims: which process works on what

    /// Takes `key` (a voicemail's, or `watch`) for `owner` until `until`, in one transaction: when nobody holds it,
    /// its lease has run out, `owner` holds it already (a renewal), or its holder is `dead` (a process known to have
    /// exited). Otherwise says who holds it and until when.
    func claim(_ key: String, owner: String, until: Date, at now: Date, replacing dead: String?) async throws(LedgerError) -> Claim
    /// Gives `key` up, if `owner` still holds it.
    func release(_ key: String, owner: String) async throws(LedgerError)

    // MARK: A voicemail's stages: each one transaction that keeps the record's invariants

    /// The transcript stage is over, whatever it gave: `record` carries the transcript or the reason there is none.
    func markTranscribed(_ record: VoicemailRecord, at now: Date) async throws(LedgerError) -> VoicemailRecord
    /// The card is out. A transcript still owed is tried again from `followUpAt`.
    func markNotified(_ record: VoicemailRecord, at now: Date, followUpAt: Date?) async throws(LedgerError) -> VoicemailRecord
    /// The card, or the transcript owed after it (or the reply carrying that), could not go out now; tried again at
    /// `retryAt(attempts)`.
    func postpone(_ record: VoicemailRecord, error: String, at now: Date, retryAt: (_ attempts: Int) -> Date) async throws(LedgerError) -> VoicemailRecord
    /// The mail server answers again: every card held up by it is due now, not at the end of its back-off. Returns
    /// how many.
    func retryHeldCards(at now: Date) async throws(LedgerError) -> Int
    /// The mail server refused the card for good: not retried until a person asks (`ringback outbox retry`).
    func markUndeliverable(_ record: VoicemailRecord, error: String, at now: Date) async throws(LedgerError) -> VoicemailRecord
    /// A late transcript has arrived; the reply carrying it is due.
    func markLateTranscript(_ record: VoicemailRecord, at now: Date) async throws(LedgerError) -> VoicemailRecord
    /// No transcript will follow the card: the engines kept failing past `follow_up_within`, or the mail server
    /// refused the reply for good (`reason`).
    func abandonTranscript(_ record: VoicemailRecord, reason: String?, error: String, at now: Date) async throws(LedgerError) -> VoicemailRecord
    /// The reply carrying the late transcript is out: nothing more is owed.
    func markFollowedUp(_ record: VoicemailRecord, at now: Date) async throws(LedgerError) -> VoicemailRecord

    // MARK: The outbox

    /// Records a message about to be sent (again). One row per Message-ID: a resend reuses its card's row.
    func enqueue(voicemailID: Int64, purpose: OutboxRecord.Purpose, messageID: String, recipients: [MailAddress], at now: Date) async throws(LedgerError)
        -> OutboxRecord
    /// Delivered; `refusals` are the recipients the server refused while accepting others.
    func markSent(_ entry: OutboxRecord, refusals: [String], at now: Date) async throws(LedgerError)
    /// Not delivered: queued again, or `failed` when retrying cannot help (until `outbox retry`).
    func markFailed(_ entry: OutboxRecord, reason: String, responseCode: Int?, permanent: Bool, at now: Date) async throws(LedgerError)
    /// Whether the message with this Message-ID is done with: sent, or refused for good (until `outbox retry`).
    func isSettled(messageID: String) async throws(LedgerError) -> Bool
    /// Newest first.
    func outbox(_ filter: OutboxFilter) async throws(LedgerError) -> [OutboxRecord]
    /// `ringback outbox retry ID`: a message the server refused for good goes back in the queue, and its voicemail
    /// becomes work again for `watch` (within its retry interval) and `reprocess`.
    func retryOutbox(id: Int64, at now: Date) async throws(LedgerError) -> OutboxRecord

    // MARK: Callbacks, call records, links

    /// Callbacks by deadline, soonest first. `open` includes snoozed ones; `overdue` leaves out those snoozed now.
    func callbacks(_ filter: CallbackFilter, now: Date) async throws(LedgerError) -> [VoicemailRecord]
    /// Applies a change and records it as an event. A change that would change nothing (closing a closed callback,
    /// reopening an open one) is reported as such and not recorded; snoozing a closed callback is a conflict.
    func changeCallback(
        id: Int64, _ change: CallbackChange, by actor: CallbackEventRecord.Actor, at now: Date, note: String?
    ) async throws(LedgerError) -> (record: VoicemailRecord, changed: Bool)
    /// A callback's history, oldest first.
    func callbackEvents(id: Int64) async throws(LedgerError) -> [CallbackEventRecord]
    /// Earlier voicemails and missed calls from the same number: how many, and when the last came in.
    func earlierCalls(from number: String, before: Date, excluding id: Int64?) async throws(LedgerError) -> (count: Int, last: Date)?
    /// An outbound call from the PBX's records to `number` (E.164): every callback for that number still open and
    /// older than the call is closed (`done` by cdr, at the call's time) when the call was answered and talked at
    /// least `minTalkSeconds`, or gets a `tried` otherwise. Reading the same record twice changes nothing.
    func applyCall(to number: String, at start: Date, talked: Bool, note: String) async throws(LedgerError) -> [CallOutcome]
    func cdrCursor(path: String) async throws(LedgerError) -> (inode: UInt64, offset: UInt64)?
    func saveCDRCursor(path: String, inode: UInt64, offset: UInt64) async throws(LedgerError)
    /// A new call from a number whose callback is still open joins that callback: one callback, the earlier
    /// deadline, urgent if either is. A call received before the open one (a backlog run through `reprocess`) joins it
    /// too. Returns the callback it joined, nil when it stands on its own. A missed call from the call records whose
    /// card has not gone out, on the same call as this voicemail, joins the voicemail instead: one call, one case.
    func fold(_ id: Int64, now: Date) async throws(LedgerError) -> VoicemailRecord?
    /// A recording from `number` made in `[start, end]`: the voicemail left on a call the records show as missed.
    func voicemailOnTheSameCall(from number: String, between start: Date, and end: Date) async throws(LedgerError) -> VoicemailRecord?
    /// Whether a "Spam" link put `number` on the ledger's blocklist (beside `callbacks.spam.blocklist`).
    func isBlocked(_ number: String) async throws(LedgerError) -> Bool
    /// Transcripts of calls received since `since` (other than `id`), with their numbers: a campaign sends the same
    /// message from many.
    func transcripts(since: Date, excluding id: Int64) async throws(LedgerError) -> [(number: String, transcript: String)]
    /// When the calls from `number` received in `[start, end)` came in, in order: for "3rd call today" and its list.
    func calls(from number: String, between start: Date, and end: Date) async throws(LedgerError) -> [Date]
    /// Marks a one-click link as used; false when it already was (a replay).
    func useLink(nonce: String, voicemailID: Int64, at now: Date) async throws(LedgerError) -> Bool
    /// When a one-click link was used; nil while it is unused.
    func linkUsed(nonce: String) async throws(LedgerError) -> Date?

    // MARK: Texts to callers

    /// Inserts the text unless one of its kind exists for the callback (one per callback, ever); returns the stored
    /// row either way.
    func reserveText(_ text: CallerTextRecord) async throws(LedgerError) -> (record: CallerTextRecord, reserved: Bool)
    func updateText(_ text: CallerTextRecord) async throws(LedgerError)
    /// `waiting` → `sending`, with the body about to go out, only if it is still waiting: of two looks at one text
    /// (the watcher's and the ticker's, or two processes), exactly one sends it. False for the other.
    func beginSending(_ text: CallerTextRecord) async throws(LedgerError) -> Bool
    /// Newest first.
    func texts(limit: Int) async throws(LedgerError) -> [CallerTextRecord]
    func texts(voicemailID: Int64) async throws(LedgerError) -> [CallerTextRecord]
    /// Texts waiting (quiet hours, a retry) whose time has come.
    func textsDue(at now: Date) async throws(LedgerError) -> [CallerTextRecord]
    /// Texts left `sending` since before `before`: a process died while handing them over.
    func textsInFlight(before: Date) async throws(LedgerError) -> [CallerTextRecord]
    /// When `number` was last texted (sent, or possibly sent) for another callback: the cooldown.
    func lastText(to number: String, excluding voicemailID: Int64) async throws(LedgerError) -> Date?
    /// Open callbacks of their own received since `receivedSince`, whose card is out (or that the digest lists), with
    /// no text of `kind` yet: from an outside number (texts to callers), or urgent ones from anyone (`urgentOnly`,
    /// texts to the owner).
    func untextedCallbacks(receivedSince: Date, kind: String, urgentOnly: Bool) async throws(LedgerError) -> [VoicemailRecord]
    /// Open callbacks due in `(now, dueBy]` whose caller was texted a time and has had no running-late update.
    func runningLate(dueAfter now: Date, dueBy: Date) async throws(LedgerError) -> [VoicemailRecord]
    /// STOP: no text to `number` ever again (until `optIn`).
    func optOut(_ number: String, source: String, at now: Date) async throws(LedgerError)
    /// Whether there was an opt-out to remove.
    func optIn(_ number: String) async throws(LedgerError) -> Bool
    func isOptedOut(_ number: String) async throws(LedgerError) -> Bool

    // MARK: Webhooks

    /// When `endpoint` was first seen (recorded now if never): it hears events from then on.
    func webhookEndpointSince(_ endpoint: String, now: Date) async throws(LedgerError) -> Date
    /// Inserts each delivery unless its endpoint already has its key; returns how many were new.
    func recordWebhookEvents(_ deliveries: [WebhookDeliveryRecord]) async throws(LedgerError) -> Int
    /// The keys recorded for `endpoint` of events since `since`: what need not be made again.
    func webhookKeys(endpoint: String, since: Date) async throws(LedgerError) -> Set<String>
    /// Queued deliveries to `endpoint` whose time has come, oldest first.
    func webhooksDue(endpoint: String, at now: Date, limit: Int) async throws(LedgerError) -> [WebhookDeliveryRecord]
    /// Holds a due delivery until `holdUntil` for this process's try; false when another process took it first.
    func beginWebhookAttempt(_ delivery: WebhookDeliveryRecord, now: Date, holdUntil: Date) async throws(LedgerError) -> Bool
    func updateWebhookDelivery(_ delivery: WebhookDeliveryRecord) async throws(LedgerError)
    /// Newest first.
    func webhookDeliveries(_ filter: OutboxFilter, limit: Int) async throws(LedgerError) -> [WebhookDeliveryRecord]
    /// A failed delivery queued again from its first try.
    func retryWebhook(id: Int64, at now: Date) async throws(LedgerError) -> WebhookDeliveryRecord
    func webhookFacts(since: Date) async throws(LedgerError) -> WebhookFacts

    // MARK: The digest

    func digestFacts(since: Date, now: Date) async throws(LedgerError) -> DigestFacts
    /// As of when the last digest reported: the next one reports what came after.
    func lastDigest() async throws(LedgerError) -> Date?
    func digestSent(slot: String) async throws(LedgerError) -> Bool
    func recordDigest(slot: String, at now: Date) async throws(LedgerError)
}

extension Ledger {
    /// A change without a note.
    public func changeCallback(
        id: Int64, _ change: CallbackChange, by actor: CallbackEventRecord.Actor, at now: Date
    ) async throws(LedgerError) -> (record: VoicemailRecord, changed: Bool) {
        try await changeCallback(id: id, change, by: actor, at: now, note: nil)
    }
}
