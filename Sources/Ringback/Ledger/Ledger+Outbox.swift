public import Foundation
import GRDB

extension Ledger {
    /// Records a message about to be sent (again). One row per Message-ID: a resend reuses its card's row.
    func enqueue(voicemailID: Int64, purpose: OutboxRecord.Purpose, messageID: String, recipients: [MailAddress], at now: Date) async throws(LedgerError)
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

    func markSent(_ entry: OutboxRecord, report: DeliveryReport, at now: Date) async throws(LedgerError) {
        var entry = entry
        entry.state = .sent
        entry.attempts += 1
        entry.sentAt = now
        entry.updatedAt = now
        entry.lastError = nil
        entry.responseCode = nil
        entry.refused = report.refused.isEmpty ? nil : report.refused.map { "\($0.recipient.address): \($0.reply)" }.joined(separator: "; ")
        try await write { [entry] db in try entry.update(db) }
    }

    func markFailed(_ entry: OutboxRecord, error: MailError, at now: Date) async throws(LedgerError) {
        var entry = entry
        entry.state = error.isPermanent ? .failed : .queued
        entry.attempts += 1
        entry.lastError = error.description
        entry.responseCode = error.responseCode
        entry.updatedAt = now
        try await write { [entry] db in try entry.update(db) }
    }

    /// Whether the message with this Message-ID is done with: sent, or refused for good (until `outbox retry`).
    func isSettled(messageID: String) async throws(LedgerError) -> Bool {
        try await read { db in
            try OutboxRecord.filter(Column("messageID") == messageID).filter(Column("state") != OutboxRecord.State.queued.rawValue).fetchCount(db) > 0
        }
    }

    public enum OutboxFilter: String, Sendable, CaseIterable {
        /// Queued or failed: what still needs a delivery or a person.
        case unsent
        case failed
        case all
    }

    /// Newest first.
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

    /// `ringback outbox retry ID`: a message the server refused for good goes back in the queue, and its voicemail
    /// becomes work again for `watch` (within its retry interval) and `reprocess`.
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
            if var voicemail = try VoicemailRecord.fetchOne(db, key: entry.voicemailID) {
                switch entry.purpose {
                case .card where voicemail.state == .undeliverable: voicemail.state = .transcribed
                case .transcript where voicemail.transcriptStatus == .abandoned && voicemail.transcript != nil: voicemail.transcriptStatus = .followUpDue
                default: break
                }
                voicemail.nextAttemptAt = nil
                voicemail.updatedAt = now
                try voicemail.update(db)
            }
            return entry
        }
    }
}
