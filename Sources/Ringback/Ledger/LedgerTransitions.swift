import Foundation

// What each intent changes in a record, whichever store keeps it: these decide, `SQLiteLedger` and `PostgresLedger`
// only read, lock and write.

/// A voicemail's step through the pipeline (the intents `markTranscribed` … `markFollowedUp`).
enum VoicemailStep {
    case transcribed
    case notified(followUpAt: Date?)
    /// Tried again at `retryAt`, the time the back-off gives the attempt after this one (`attempts + 1`).
    case postponed(error: String, retryAt: Date)
    case undeliverable(error: String)
    case lateTranscript
    case transcriptAbandoned(reason: String?, error: String)
    case followedUp
}

extension VoicemailRecord {
    /// The record after `step`, stamped `now`.
    func after(_ step: VoicemailStep, at now: Date) -> VoicemailRecord {
        var record = self
        switch step {
        case .transcribed:
            record.state = .transcribed
        case .notified(let followUpAt):
            record.state = .notified
            record.notifiedAt = now
            record.attempts = 0
            record.lastError = nil
            record.nextAttemptAt = record.awaitsTranscript ? followUpAt : nil
        case .postponed(let error, let retryAt):
            record.attempts += 1
            record.lastError = error
            record.nextAttemptAt = retryAt
        case .undeliverable(let error):
            record.state = .undeliverable
            record.attempts += 1
            record.lastError = error
            record.nextAttemptAt = nil
        case .lateTranscript:
            record.transcriptStatus = .followUpDue
            record.attempts = 0
            record.lastError = nil
        case .transcriptAbandoned(let reason, let error):
            record.transcriptStatus = .abandoned
            if let reason { record.transcriptFailure = reason }
            record.lastError = error
            record.nextAttemptAt = nil
        case .followedUp:
            record.transcriptStatus = .followedUp
            record.attempts = 0
            record.lastError = nil
            record.nextAttemptAt = nil
        }
        record.updatedAt = now
        return record
    }

    /// `ringback outbox retry`: the voicemail whose message `entry` was refused for good becomes work again.
    func retrying(_ entry: OutboxRecord, at now: Date) -> VoicemailRecord {
        var record = self
        switch entry.purpose {
        case .card where record.state == .undeliverable: record.state = .transcribed
        case .transcript where record.transcriptStatus == .abandoned && record.transcript != nil: record.transcriptStatus = .followUpDue
        default: break
        }
        record.nextAttemptAt = nil
        record.updatedAt = now
        return record
    }

    /// What a callback change does: the record as it becomes, the event to record, and the blocklist's change.
    struct CallbackChangeOutcome {
        var record: VoicemailRecord
        var action: CallbackEventRecord.Action
        var until: Date?
        /// A number to put on the ledger's blocklist ("Spam").
        var block: String?
        /// A number to take off it ("Not spam").
        var unblock: String?
    }

    /// `change` applied to this callback (already the one a repeat call folded into) at `now` by `actor`. Nil when it
    /// would change nothing (closing a closed callback, reopening an open one); a conflict when it does not apply.
    func applying(_ change: CallbackChange, by actor: CallbackEventRecord.Actor, at now: Date, path: String) throws(LedgerError)
        -> CallbackChangeOutcome?
    {
        var record = self
        let id = record.id ?? 0
        let state = record.callbackState(at: now)
        let action: CallbackEventRecord.Action
        var until: Date?
        var block: String?
        var unblock: String?
        switch change {
        case .done, .noCallbackNeeded:
            guard !state.isClosed else { return nil }
            action = change == .done ? .done : .noCallbackNeeded
            record.callbackState = change == .done ? .done : .noCallbackNeeded
            record.callbackClosedAt = now
            record.callbackClosedBy = actor.rawValue
            record.callbackSnoozedUntil = nil
        case .tried:
            guard !state.isClosed else {
                throw LedgerError(code: .conflict, path: path, message: "callback #\(id) is \(state.rawValue); reopen it first")
            }
            action = .tried
            record.callbackTries += 1
        case .snooze(let time):
            guard !state.isClosed else {
                throw LedgerError(code: .conflict, path: path, message: "callback #\(id) is \(state.rawValue); reopen it first")
            }
            action = .snoozed
            until = time
            record.callbackState = .snoozed
            record.callbackSnoozedUntil = time
        case .reopen:
            guard state != .open else { return nil }
            action = .reopened
            record.callbackState = .open
            record.callbackClosedAt = nil
            record.callbackClosedBy = nil
            record.callbackSnoozedUntil = nil
        case .spam(let reason, let number):
            guard record.spamReason == nil else { return nil }
            action = .spam
            record.spamReason = reason
            record.callbackState = .noCallbackNeeded
            record.callbackClosedAt = now
            record.callbackClosedBy = actor.rawValue
            record.callbackSnoozedUntil = nil
            if record.state != .notified { record.state = .withheld }  // the card is not owed any more
            block = number
        case .notSpam(let dueAt):
            guard record.spamReason != nil else { return nil }
            action = .notSpam
            record.spamReason = nil
            record.callbackState = .open
            record.callbackClosedAt = nil
            record.callbackClosedBy = nil
            record.callbackSnoozedUntil = nil
            record.dueAt = dueAt
            if record.state == .withheld {  // never carded: the card is owed now
                record.state = .transcribed
                record.nextAttemptAt = nil
                record.attempts = 0
            }
            unblock = record.callerNumber
        case .runningLate(let dueAt):
            guard state == .open, dueAt > record.dueAt else { return nil }
            action = .runningLate
            until = dueAt
            record.dueAt = dueAt
        }
        record.updatedAt = now
        return CallbackChangeOutcome(record: record, action: action, until: until, block: block, unblock: unblock)
    }
}

extension VoicemailRecord {
    /// An outbound call from the PBX's records to this callback's number at `start`: closed (`done` by cdr, at the
    /// call's time) when it was answered and talked, or one more try.
    func called(at start: Date, talked: Bool, now: Date) -> (record: VoicemailRecord, action: CallbackEventRecord.Action) {
        var record = self
        if talked {
            record.callbackState = .done
            record.callbackClosedAt = start
            record.callbackClosedBy = CallbackEventRecord.Actor.cdr.rawValue
            record.callbackSnoozedUntil = nil
        } else {
            record.callbackTries += 1
        }
        record.updatedAt = now
        return (record, talked ? .done : .tried)
    }
}

extension WebhookDeliveryRecord {
    /// `ringback outbox retry --webhook`: a failed delivery queued again from its first try.
    func requeued(at now: Date) -> WebhookDeliveryRecord {
        var delivery = self
        delivery.state = .queued
        delivery.attempts = 0
        delivery.nextAttemptAt = nil
        delivery.updatedAt = now
        return delivery
    }
}

extension OutboxRecord {
    /// Delivered; `refusals` are the recipients the server refused while accepting others.
    func sent(refusals: [String], at now: Date) -> OutboxRecord {
        var entry = self
        entry.state = .sent
        entry.attempts += 1
        entry.sentAt = now
        entry.updatedAt = now
        entry.lastError = nil
        entry.responseCode = nil
        entry.refused = refusals.isEmpty ? nil : refusals.joined(separator: "; ")
        return entry
    }

    /// Not delivered: queued again, or `failed` for good.
    func failed(reason: String, responseCode: Int?, permanent: Bool, at now: Date) -> OutboxRecord {
        var entry = self
        entry.state = permanent ? .failed : .queued
        entry.attempts += 1
        entry.lastError = reason
        entry.responseCode = responseCode
        entry.updatedAt = now
        return entry
    }
}
