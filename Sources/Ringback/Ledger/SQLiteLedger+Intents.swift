public import Foundation

/// What happens to a voicemail, one intent per step, each one write that keeps the record's invariants: a stage
/// says what happened, the ledger decides which fields that touches. Each returns the record as stored.
extension SQLiteLedger {
    public func markTranscribed(_ record: VoicemailRecord, at now: Date) async throws(LedgerError) -> VoicemailRecord {
        try await save(record.after(.transcribed, at: now))
    }

    public func markNotified(_ record: VoicemailRecord, at now: Date, followUpAt: Date?) async throws(LedgerError) -> VoicemailRecord {
        try await save(record.after(.notified(followUpAt: followUpAt), at: now))
    }

    public func postpone(_ record: VoicemailRecord, error: String, at now: Date, retryAt: (_ attempts: Int) -> Date) async throws(LedgerError)
        -> VoicemailRecord
    {
        try await save(record.after(.postponed(error: error, retryAt: retryAt(record.attempts + 1)), at: now))
    }

    public func markUndeliverable(_ record: VoicemailRecord, error: String, at now: Date) async throws(LedgerError) -> VoicemailRecord {
        try await save(record.after(.undeliverable(error: error), at: now))
    }

    public func markLateTranscript(_ record: VoicemailRecord, at now: Date) async throws(LedgerError) -> VoicemailRecord {
        try await save(record.after(.lateTranscript, at: now))
    }

    public func abandonTranscript(_ record: VoicemailRecord, reason: String?, error: String, at now: Date) async throws(LedgerError) -> VoicemailRecord {
        try await save(record.after(.transcriptAbandoned(reason: reason, error: error), at: now))
    }

    public func markFollowedUp(_ record: VoicemailRecord, at now: Date) async throws(LedgerError) -> VoicemailRecord {
        try await save(record.after(.followedUp, at: now))
    }

    /// The record as a step left it, in one write.
    private func save(_ record: VoicemailRecord) async throws(LedgerError) -> VoicemailRecord {
        try await write { db in try record.update(db) }
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
