public import Foundation
import GRDB

extension SQLiteLedger {
    public func reserveText(_ text: CallerTextRecord) async throws(LedgerError) -> (record: CallerTextRecord, reserved: Bool) {
        try await write { db in
            if let existing = try CallerTextRecord.filter(Column("voicemailID") == text.voicemailID && Column("kind") == text.kind).fetchOne(db) {
                return (existing, false)
            }
            var inserted = text
            try inserted.insert(db)
            return (inserted, true)
        }
    }

    public func beginSending(_ text: CallerTextRecord) async throws(LedgerError) -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE callerText SET state = 'sending', attempts = attempts + 1, body = ?, provider = ?, updatedAt = ?
                    WHERE id = ? AND state = 'waiting'
                    """, arguments: [text.body, text.provider, text.updatedAt, text.id])
            return db.changesCount == 1
        }
    }

    public func updateText(_ text: CallerTextRecord) async throws(LedgerError) {
        try await write { db in try text.update(db) }
    }

    public func texts(limit: Int) async throws(LedgerError) -> [CallerTextRecord] {
        try await read { db in try CallerTextRecord.order(Column("id").desc).limit(limit).fetchAll(db) }
    }

    public func texts(voicemailID: Int64) async throws(LedgerError) -> [CallerTextRecord] {
        try await read { db in try CallerTextRecord.filter(Column("voicemailID") == voicemailID).order(Column("id")).fetchAll(db) }
    }

    public func textsDue(at now: Date) async throws(LedgerError) -> [CallerTextRecord] {
        try await read { db in
            try CallerTextRecord.filter(Column("state") == CallerTextRecord.State.waiting.rawValue && Column("nextAttemptAt") <= now)
                .order(Column("id")).fetchAll(db)
        }
    }

    public func textsInFlight(before: Date) async throws(LedgerError) -> [CallerTextRecord] {
        try await read { db in
            try CallerTextRecord.filter(Column("state") == CallerTextRecord.State.sending.rawValue && Column("updatedAt") < before).fetchAll(db)
        }
    }

    public func lastText(to number: String, excluding voicemailID: Int64) async throws(LedgerError) -> Date? {
        let counted = [CallerTextRecord.State.sent, .sending, .ambiguous, .dryRun].map(\.rawValue)
        return try await read { db in
            try Date.fetchOne(
                db,
                CallerTextRecord.filter(Column("number") == number && Column("voicemailID") != voicemailID && counted.contains(Column("state")))
                    .select(max(Column("updatedAt"))))
        }
    }

    public func untextedCallbacks(receivedSince: Date, kind: String, urgentOnly: Bool) async throws(LedgerError) -> [VoicemailRecord] {
        try await read { db in
            try VoicemailRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM voicemail
                    WHERE receivedAt >= ? AND foldedInto IS NULL AND spamReason IS NULL AND callbackState = 'open'
                      AND state IN ('notified', 'withheld') AND (? = 0 OR isUrgent = 1) AND (? = 1 OR callerNumber LIKE '+%')
                      AND NOT EXISTS (SELECT 1 FROM callerText WHERE callerText.voicemailID = voicemail.id AND callerText.kind = ?)
                    ORDER BY id
                    """, arguments: [receivedSince, urgentOnly, urgentOnly, kind])
        }
    }

    public func runningLate(dueAfter now: Date, dueBy: Date) async throws(LedgerError) -> [VoicemailRecord] {
        try await read { db in
            try VoicemailRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM voicemail
                    WHERE dueAt > ? AND dueAt <= ? AND foldedInto IS NULL AND spamReason IS NULL AND callbackState = 'open'
                      AND EXISTS (SELECT 1 FROM callerText WHERE callerText.voicemailID = voicemail.id AND kind = 'first' AND state = 'sent')
                      AND NOT EXISTS (SELECT 1 FROM callerText WHERE callerText.voicemailID = voicemail.id AND kind = 'late')
                    ORDER BY dueAt
                    """, arguments: [now, dueBy])
        }
    }

    public func optOut(_ number: String, source: String, at now: Date) async throws(LedgerError) {
        try await write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO optOut (number, at, source) VALUES (?, ?, ?)", arguments: [number, now, source])
        }
    }

    public func optIn(_ number: String) async throws(LedgerError) -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM optOut WHERE number = ?", arguments: [number])
            return db.changesCount > 0
        }
    }

    public func isOptedOut(_ number: String) async throws(LedgerError) -> Bool {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM optOut WHERE number = ?", arguments: [number]) ?? 0 > 0 }
    }
}
