public import Foundation
public import RingbackCore

/// Voicemails, their stages, claims and the outbox, on PostgreSQL: the same intents as `SQLiteLedger+Voicemail`,
/// `+Intents`, `+Claims` and `+Outbox`.
extension PostgresLedger {
    private static let owedFilter = """
        (state NOT IN ('notified', 'undeliverable', 'withheld') OR transcriptStatus IN ('retrying', 'follow_up_due'))
        """

    public func voicemail(key: String) async throws(LedgerError) -> VoicemailRecord? {
        try await run { db in try await db.fetchOne(VoicemailRecord.self, "SELECT * FROM voicemail WHERE key = ?", [key]) }
    }

    public func voicemail(id: Int64) async throws(LedgerError) -> VoicemailRecord? {
        try await run { db in try await db.fetchOne(VoicemailRecord.self, "SELECT * FROM voicemail WHERE id = ?", [id]) }
    }

    public func insertIfAbsent(_ record: VoicemailRecord) async throws(LedgerError) -> (record: VoicemailRecord, inserted: Bool) {
        try await run { db in
            // One statement: of two nodes inserting the same key, one inserts and the other reads the winner's row.
            if let inserted = try await db.insert(record, onConflict: "ON CONFLICT (key) DO NOTHING") { return (inserted, true) }
            guard let existing = try await db.fetchOne(VoicemailRecord.self, "SELECT * FROM voicemail WHERE key = ?", [record.key]) else {
                throw LedgerError(code: .query, path: path, message: "voicemail \(record.key) was neither inserted nor found")
            }
            return (existing, false)
        }
    }

    public func recordAttempt(_ attempt: TranscriptionAttemptRecord) async throws(LedgerError) {
        try await run { db in _ = try await db.insert(attempt) }
    }

    public func attempts(voicemailID: Int64) async throws(LedgerError) -> [TranscriptionAttemptRecord] {
        try await run { db in
            try await db.fetch(TranscriptionAttemptRecord.self, "SELECT * FROM transcriptionAttempt WHERE voicemailId = ? ORDER BY id", [voicemailID])
        }
    }

    public func recordRejection(_ rejection: RejectionRecord) async throws(LedgerError) {
        try await run { db in _ = try await db.insert(rejection) }
    }

    public func rejections() async throws(LedgerError) -> [RejectionRecord] {
        try await run { db in try await db.fetch(RejectionRecord.self, "SELECT * FROM rejection ORDER BY id") }
    }

    public func pending(dueBy now: Date) async throws(LedgerError) -> [VoicemailRecord] {
        try await run { db in
            try await db.fetch(
                VoicemailRecord.self,
                "SELECT * FROM voicemail WHERE \(Self.owedFilter) AND (nextAttemptAt IS NULL OR nextAttemptAt <= ?) ORDER BY id", [now])
        }
    }

    public func nextAttempt(after now: Date) async throws(LedgerError) -> Date? {
        try await run { db in
            try await db.date("SELECT MIN(nextAttemptAt) FROM voicemail WHERE \(Self.owedFilter) AND nextAttemptAt > ?", [now])
        }
    }

    public func counts() async throws(LedgerError) -> [VoicemailRecord.State: Int] {
        try await run { db in
            var counts = Dictionary(uniqueKeysWithValues: VoicemailRecord.State.allCases.map { ($0, 0) })
            for row in try await db.rows("SELECT state, COUNT(*) AS n FROM voicemail GROUP BY state") {
                if let state = VoicemailRecord.State(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    public func textAndWebhookCounts() async throws(LedgerError) -> (
        texts: [CallerTextRecord.State: Int], webhooks: [WebhookDeliveryRecord.State: Int]
    ) {
        try await run { db in
            var texts = Dictionary(uniqueKeysWithValues: CallerTextRecord.State.allCases.map { ($0, 0) })
            for row in try await db.rows("SELECT state, COUNT(*) AS n FROM callerText GROUP BY state") {
                if let state = CallerTextRecord.State(rawValue: row["state"]) { texts[state] = row["n"] }
            }
            var webhooks = Dictionary(uniqueKeysWithValues: WebhookDeliveryRecord.State.allCases.map { ($0, 0) })
            for row in try await db.rows("SELECT state, COUNT(*) AS n FROM webhookDelivery GROUP BY state") {
                if let state = WebhookDeliveryRecord.State(rawValue: row["state"]) { webhooks[state] = row["n"] }
            }
            return (texts, webhooks)
        }
    }

    public func intakeFile(path: String) async throws(LedgerError) -> IntakeFileRecord? {
        try await run { db in try await db.fetchOne(IntakeFileRecord.self, "SELECT * FROM intakeFile WHERE path = ?", [path]) }
    }

    public func remember(_ file: IntakeFileRecord) async throws(LedgerError) {
        try await run { db in
            _ = try await db.insert(
                file,
                onConflict: """
                    ON CONFLICT (path) DO UPDATE SET size = excluded.size, modifiedAt = excluded.modifiedAt,
                      voicemailKey = excluded.voicemailKey, outcome = excluded.outcome, seenAt = excluded.seenAt
                    """)
        }
    }

    // MARK: Claims

    public func claim(_ key: String, owner: String, until: Date, at now: Date, replacing dead: String?) async throws(LedgerError) -> Claim {
        try await run { db in
            // Taken in one statement: the row is inserted, or updated only if it may be taken. Nothing returned means
            // someone else holds it; who is read next (and if they let go meanwhile, it is tried again).
            for _ in 0..<5 {
                let taken = try await db.rows(
                    """
                    INSERT INTO claim (key, owner, expiresAt, claimedAt) VALUES (?, ?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expiresAt = excluded.expiresAt, claimedAt = excluded.claimedAt
                    WHERE claim.owner = excluded.owner OR claim.owner = ? OR claim.expiresAt <= ?
                    RETURNING owner
                    """, [key, owner, until, now, dead ?? "", now])
                if !taken.isEmpty { return .granted }
                if let row = try await db.rows("SELECT owner, expiresAt FROM claim WHERE key = ?", [key]).first {
                    return .held(by: row["owner"], until: row["expiresAt"])
                }
            }
            throw LedgerError(code: .conflict, path: path, message: "claim \(key) kept changing hands")
        }
    }

    public func release(_ key: String, owner: String) async throws(LedgerError) {
        try await run { db in try await db.execute("DELETE FROM claim WHERE key = ? AND owner = ?", [key, owner]) }
    }

    // MARK: A voicemail's stages

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
        try await run { db in try await db.update(record, id: record.id) }
        return record
    }

    public func retryHeldCards(at now: Date) async throws(LedgerError) -> Int {
        try await run { db in
            try await db.rows("UPDATE voicemail SET nextAttemptAt = ? WHERE state = 'transcribed' AND nextAttemptAt > ? RETURNING id", [now, now]).count
        }
    }

    // MARK: The outbox

    public func enqueue(voicemailID: Int64, purpose: OutboxRecord.Purpose, messageID: String, recipients: [MailAddress], at now: Date) async throws(LedgerError)
        -> OutboxRecord
    {
        let entry = OutboxRecord(
            id: nil, voicemailID: voicemailID, purpose: purpose, messageID: messageID,
            recipients: recipients.map(\.address).joined(separator: ", "), state: .queued, attempts: 0, lastError: nil,
            responseCode: nil, refused: nil, createdAt: now, updatedAt: now, sentAt: nil)
        return try await run { db in
            // One row per Message-ID: a resend queues its card's row again.
            guard
                let stored = try await db.insert(
                    entry,
                    onConflict: "ON CONFLICT (messageID) DO UPDATE SET state = 'queued', recipients = excluded.recipients, updatedAt = excluded.updatedAt")
            else { throw LedgerError(code: .query, path: path, message: "the outbox row for \(messageID) was not stored") }
            return stored
        }
    }

    public func markSent(_ entry: OutboxRecord, refusals: [String], at now: Date) async throws(LedgerError) {
        let entry = entry.sent(refusals: refusals, at: now)
        try await run { db in try await db.update(entry, id: entry.id) }
    }

    public func markFailed(_ entry: OutboxRecord, reason: String, responseCode: Int?, permanent: Bool, at now: Date) async throws(LedgerError) {
        let entry = entry.failed(reason: reason, responseCode: responseCode, permanent: permanent, at: now)
        try await run { db in try await db.update(entry, id: entry.id) }
    }

    public func isSettled(messageID: String) async throws(LedgerError) -> Bool {
        try await run { db in try await db.count("SELECT COUNT(*) FROM outbox WHERE messageID = ? AND state != 'queued'", [messageID]) > 0 }
    }

    public func outbox(_ filter: OutboxFilter) async throws(LedgerError) -> [OutboxRecord] {
        let condition =
            switch filter {
            case .unsent: "WHERE state != 'sent'"
            case .failed: "WHERE state = 'failed'"
            case .all: ""
            }
        return try await run { db in try await db.fetch(OutboxRecord.self, "SELECT * FROM outbox \(condition) ORDER BY id DESC") }
    }

    public func retryOutbox(id: Int64, at now: Date) async throws(LedgerError) -> OutboxRecord {
        let path = self.path
        return try await transaction { db in
            guard var entry = try await db.fetchOne(OutboxRecord.self, "SELECT * FROM outbox WHERE id = ? FOR UPDATE", [id]) else {
                throw LedgerError(code: .notFound, path: path, message: "no outbox message with id \(id)")
            }
            guard entry.state == .failed else {
                throw LedgerError(code: .conflict, path: path, message: "outbox message \(id) is \(entry.state.rawValue), not failed: nothing to retry")
            }
            entry.state = .queued
            entry.updatedAt = now
            try await db.update(entry, id: entry.id)
            if let voicemail = try await db.fetchOne(VoicemailRecord.self, "SELECT * FROM voicemail WHERE id = ? FOR UPDATE", [entry.voicemailID]) {
                try await db.update(voicemail.retrying(entry, at: now), id: voicemail.id)
            }
            return entry
        }
    }
}
