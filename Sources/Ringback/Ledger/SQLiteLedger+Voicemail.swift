public import Foundation
import GRDB

extension SQLiteLedger {
    public func voicemail(key: String) async throws(LedgerError) -> VoicemailRecord? {
        try await read { db in try VoicemailRecord.filter(VoicemailRecord.Columns.key == key).fetchOne(db) }
    }

    public func voicemail(id: Int64) async throws(LedgerError) -> VoicemailRecord? {
        try await read { db in try VoicemailRecord.fetchOne(db, key: id) }
    }

    public func insertIfAbsent(_ record: VoicemailRecord) async throws(LedgerError) -> (record: VoicemailRecord, inserted: Bool) {
        try await write { db in
            if let existing = try VoicemailRecord.filter(VoicemailRecord.Columns.key == record.key).fetchOne(db) {
                return (existing, false)
            }
            var inserted = record
            try inserted.insert(db)
            return (inserted, true)
        }
    }

    public func recordAttempt(_ attempt: TranscriptionAttemptRecord) async throws(LedgerError) {
        try await write { db in
            var attempt = attempt
            try attempt.insert(db)
        }
    }

    public func attempts(voicemailID: Int64) async throws(LedgerError) -> [TranscriptionAttemptRecord] {
        try await read { db in
            try TranscriptionAttemptRecord.filter(Column("voicemailID") == voicemailID).order(Column("id")).fetchAll(db)
        }
    }

    public func recordRejection(_ rejection: RejectionRecord) async throws(LedgerError) {
        try await write { db in
            var rejection = rejection
            try rejection.insert(db)
        }
    }

    public func rejections() async throws(LedgerError) -> [RejectionRecord] {
        try await read { db in try RejectionRecord.order(Column("id")).fetchAll(db) }
    }

    public func pending(dueBy now: Date) async throws(LedgerError) -> [VoicemailRecord] {
        let owed = [VoicemailRecord.TranscriptStatus.retrying, .followUpDue].map(\.rawValue)
        return try await read { db in
            try VoicemailRecord
                .filter(
                    ![VoicemailRecord.State.notified, .undeliverable, .withheld].map(\.rawValue).contains(VoicemailRecord.Columns.state)
                        || owed.contains(Column("transcriptStatus"))
                )
                .filter(Column("nextAttemptAt") == nil || Column("nextAttemptAt") <= now)
                .order(Column("id"))
                .fetchAll(db)
        }
    }

    public func nextAttempt(after now: Date) async throws(LedgerError) -> Date? {
        let owed = [VoicemailRecord.TranscriptStatus.retrying, .followUpDue].map(\.rawValue)
        return try await read { db in
            try Date.fetchOne(
                db,
                VoicemailRecord
                    .filter(
                        ![VoicemailRecord.State.notified, .undeliverable, .withheld].map(\.rawValue).contains(VoicemailRecord.Columns.state)
                            || owed.contains(Column("transcriptStatus"))
                    )
                    .filter(Column("nextAttemptAt") > now)
                    .select(min(Column("nextAttemptAt"))))
        }
    }

    public func counts() async throws(LedgerError) -> [VoicemailRecord.State: Int] {
        try await read { db in
            var counts: [VoicemailRecord.State: Int] = [:]
            for state in VoicemailRecord.State.allCases {
                counts[state] = try VoicemailRecord.filter(VoicemailRecord.Columns.state == state.rawValue).fetchCount(db)
            }
            return counts
        }
    }

    public func textAndWebhookCounts() async throws(LedgerError) -> (
        texts: [CallerTextRecord.State: Int], webhooks: [WebhookDeliveryRecord.State: Int]
    ) {
        try await read { db in
            var texts: [CallerTextRecord.State: Int] = [:]
            for state in CallerTextRecord.State.allCases {
                texts[state] = try CallerTextRecord.filter(Column("state") == state.rawValue).fetchCount(db)
            }
            var webhooks: [WebhookDeliveryRecord.State: Int] = [:]
            for state in WebhookDeliveryRecord.State.allCases {
                webhooks[state] = try WebhookDeliveryRecord.filter(Column("state") == state.rawValue).fetchCount(db)
            }
            return (texts, webhooks)
        }
    }

    // MARK: Files the watcher has seen

    public func intakeFile(path: String) async throws(LedgerError) -> IntakeFileRecord? {
        try await read { db in try IntakeFileRecord.fetchOne(db, key: path) }
    }

    public func remember(_ file: IntakeFileRecord) async throws(LedgerError) {
        try await write { db in try file.upsert(db) }
    }
}
