public import Foundation

/// What happens to a voicemail, one intent per step, each one write that keeps the record's invariants: a stage
/// says what happened, the ledger decides which fields that touches. Each returns the record as stored.
extension SQLiteLedger {
    public func markTranscribed(_ record: VoicemailRecord, at now: Date) async throws(LedgerError) -> VoicemailRecord {
        try await save(record, at: now) { $0.state = .transcribed }
    }

    public func markNotified(_ record: VoicemailRecord, at now: Date, followUpAt: Date?) async throws(LedgerError) -> VoicemailRecord {
        try await save(record, at: now) { record in
            record.state = .notified
            record.notifiedAt = now
            record.attempts = 0
            record.lastError = nil
            record.nextAttemptAt = record.awaitsTranscript ? followUpAt : nil
        }
    }

    public func postpone(_ record: VoicemailRecord, error: String, at now: Date, retryAt: (_ attempts: Int) -> Date) async throws(LedgerError)
        -> VoicemailRecord
    {
        try await save(record, at: now) { record in
            record.attempts += 1
            record.lastError = error
            record.nextAttemptAt = retryAt(record.attempts)
        }
    }

    public func markUndeliverable(_ record: VoicemailRecord, error: String, at now: Date) async throws(LedgerError) -> VoicemailRecord {
        try await save(record, at: now) { record in
            record.state = .undeliverable
            record.attempts += 1
            record.lastError = error
            record.nextAttemptAt = nil
        }
    }

    public func markLateTranscript(_ record: VoicemailRecord, at now: Date) async throws(LedgerError) -> VoicemailRecord {
        try await save(record, at: now) { record in
            record.transcriptStatus = .followUpDue
            record.attempts = 0
            record.lastError = nil
        }
    }

    public func abandonTranscript(_ record: VoicemailRecord, reason: String?, error: String, at now: Date) async throws(LedgerError) -> VoicemailRecord {
        try await save(record, at: now) { record in
            record.transcriptStatus = .abandoned
            if let reason { record.transcriptFailure = reason }
            record.lastError = error
            record.nextAttemptAt = nil
        }
    }

    public func markFollowedUp(_ record: VoicemailRecord, at now: Date) async throws(LedgerError) -> VoicemailRecord {
        try await save(record, at: now) { record in
            record.transcriptStatus = .followedUp
            record.attempts = 0
            record.lastError = nil
            record.nextAttemptAt = nil
        }
    }

    /// `change`, stamped `now`, in one write.
    private func save(_ record: VoicemailRecord, at now: Date, _ change: (inout VoicemailRecord) -> Void) async throws(LedgerError) -> VoicemailRecord {
        var record = record
        change(&record)
        record.updatedAt = now
        try await write { [record] db in try record.update(db) }
        return record
    }

    public func retryHeldCards(at now: Date) async throws(LedgerError) -> Int {
        try await write { db in
            try db.execute(
                sql: "UPDATE voicemail SET nextAttemptAt = ? WHERE state = ? AND nextAttemptAt > ?",
                arguments: [now, VoicemailRecord.State.transcribed.rawValue, now])
            return db.changesCount
        }
    }
}
