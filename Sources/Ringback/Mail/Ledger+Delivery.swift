import Foundation

extension Ledger {
    /// The outbox row of a message the transport took, with any recipient it refused.
    func markSent(_ entry: OutboxRecord, report: DeliveryReport, at now: Date) async throws(LedgerError) {
        try await markSent(entry, refusals: report.refused.map { "\($0.recipient.address): \($0.reply)" }, at: now)
    }

    /// The outbox row of a message the transport could not deliver, and whether that is for good.
    func markFailed(_ entry: OutboxRecord, error: MailError, at now: Date) async throws(LedgerError) {
        try await markFailed(entry, reason: error.description, responseCode: error.responseCode, permanent: error.isPermanent, at: now)
    }
}
