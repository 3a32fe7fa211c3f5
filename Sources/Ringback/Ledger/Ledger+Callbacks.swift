public import Foundation
import GRDB

extension Ledger {
    public enum CallbackFilter: String, Sendable, CaseIterable {
        case open, overdue, all
    }

    /// Callbacks by deadline, soonest first.
    public func callbacks(_ filter: CallbackFilter, now: Date) async throws(LedgerError) -> [VoicemailRecord] {
        try await read { db in
            var request = VoicemailRecord.all()
            switch filter {
            case .open:
                request = request.filter(VoicemailRecord.Columns.callbackState == VoicemailRecord.CallbackState.open.rawValue)
            case .overdue:
                request = request
                    .filter(VoicemailRecord.Columns.callbackState == VoicemailRecord.CallbackState.open.rawValue)
                    .filter(VoicemailRecord.Columns.dueAt < now)
            case .all:
                break
            }
            return try request.order(VoicemailRecord.Columns.dueAt, Column("id")).fetchAll(db)
        }
    }

    /// Earlier voicemails and missed calls from the same number: how many, and when the last came in.
    public func earlierCalls(from number: String, before: Date, excluding id: Int64?) async throws(LedgerError) -> (count: Int, last: Date)? {
        try await read { db in
            let request = VoicemailRecord
                .filter(Column("callerNumber") == number)
                .filter(VoicemailRecord.Columns.receivedAt < before)
                .filter(Column("id") != (id ?? -1))
            let count = try request.fetchCount(db)
            guard count > 0, let last = try request.order(VoicemailRecord.Columns.receivedAt.desc).fetchOne(db)?.receivedAt else { return nil }
            return (count, last)
        }
    }

    /// Marks a callback as returned. Closing one that is already closed changes nothing and says so.
    public func closeCallback(id: Int64, by: String, at: Date) async throws(LedgerError) -> (record: VoicemailRecord, changed: Bool) {
        let path = self.path
        return try await write { db in
            guard var record = try VoicemailRecord.fetchOne(db, key: id) else {
                throw LedgerError(code: .notFound, path: path, message: "no voicemail with id \(id)")
            }
            guard record.callbackState == .open else { return (record, false) }
            record.callbackState = .done
            record.callbackClosedAt = at
            record.callbackClosedBy = by
            record.updatedAt = at
            try record.update(db)
            return (record, true)
        }
    }
}
