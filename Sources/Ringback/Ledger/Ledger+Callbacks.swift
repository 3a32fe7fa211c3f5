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
