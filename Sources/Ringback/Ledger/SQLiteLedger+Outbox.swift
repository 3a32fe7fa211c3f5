public import Foundation
import GRDB
public import RingbackCore

extension SQLiteLedger {
    public func enqueue(voicemailID: Int64, purpose: OutboxRecord.Purpose, messageID: String, recipients: [MailAddress], at now: Date) async throws(LedgerError)
        -> OutboxRecord
    {
        try await write { db in
            if var existing = try OutboxRecord.filter(Column("messageID") == messageID).fetchOne(db) {
                existing.state = .queued
                existing.recipients = recipients.map(\.address).joined(separator: ", ")
                existing.updatedAt = now
                try existing.update(db)
                return existing
            }
            var entry = OutboxRecord(
                id: nil, voicemailID: voicemailID, purpose: purpose, messageID: messageID,
                recipients: recipients.map(\.address).joined(separator: ", "), state: .queued, attempts: 0, lastError: nil,
                responseCode: nil, refused: nil, createdAt: now, updatedAt: now, sentAt: nil)
            try entry.insert(db)
            return entry
        }
    }

    public func markSent(_ entry: OutboxRecord, refusals: [String], at now: Date) async throws(LedgerError) {
        let entry = entry.sent(refusals: refusals, at: now)
        try await write { db in try entry.update(db) }
    }

    public func markFailed(_ entry: OutboxRecord, reason: String, responseCode: Int?, permanent: Bool, at now: Date) async throws(LedgerError) {
        let entry = entry.failed(reason: reason, responseCode: responseCode, permanent: permanent, at: now)
        try await write { db in try entry.update(db) }
    }

    public func isSettled(messageID: String) async throws(LedgerError) -> Bool {
        try await read { db in
            try OutboxRecord.filter(Column("messageID") == messageID).filter(Column("state") != OutboxRecord.State.queued.rawValue).fetchCount(db) > 0
        }
    }

    public func outbox(_ filter: OutboxFilter) async throws(LedgerError) -> [OutboxRecord] {
        try await read { db in
            var request = OutboxRecord.all()
            switch filter {
            case .unsent: request = request.filter(Column("state") != OutboxRecord.State.sent.rawValue)
            case .failed: request = request.filter(Column("state") == OutboxRecord.State.failed.rawValue)
            case .all: break
            }
            return try request.order(Column("id").desc).fetchAll(db)
        }
    }

    public func retryOutbox(id: Int64, at now: Date) async throws(LedgerError) -> OutboxRecord {
        let path = self.path
        return try await write { db in
            guard var entry = try OutboxRecord.fetchOne(db, key: id) else {
                throw LedgerError(code: .notFound, path: path, message: "no outbox message with id \(id)")
            }
            guard entry.state == .failed else {
                throw LedgerError(code: .conflict, path: path, message: "outbox message \(id) is \(entry.state.rawValue), not failed: nothing to retry")
            }
            entry.state = .queued
            entry.updatedAt = now
            try entry.update(db)
            if let voicemail = try VoicemailRecord.fetchOne(db, key: entry.voicemailID) {
                try voicemail.retrying(entry, at: now).update(db)
            }
            return entry
        }
    }
}
