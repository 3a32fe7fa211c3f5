import Foundation
import Logging
import RingbackCore

/// The card stage: the card recorded in the outbox, sent through `Mailer`, and what happened stored in the ledger.
struct CardStage: Sendable {
    let config: PipelineConfig
    let ledger: any Ledger
    let mailer: Mailer
    /// A transcript still owed after the card is first tried again after this (twice `retry_after`).
    let followUpDelay: TimeInterval
    let logger: Logger
    let now: @Sendable () -> Date

    /// The card, recorded in the outbox before it goes. A transient failure keeps the voicemail pending; a refusal
    /// for good is recorded and left for a person (`ringback outbox retry ID` once the cause is fixed).
    func send(_ record: VoicemailRecord, probe: VoicemailProbe?, to recipients: [MailAddress], resending: Bool) async throws(LedgerError)
        -> StageResult
    {
        let entry = try await ledger.enqueue(
            voicemailID: record.id ?? 0, purpose: .card, messageID: record.messageID, recipients: recipients + config.mail.cc, at: now())
        let report: DeliveryReport
        do throws(MailError) {
            report = try await mailer.send(
                MessageCard(record: record, config: config, attachment: nil), record: record, probe: probe, to: recipients, resending: resending)
        } catch {
            try await ledger.markFailed(entry, error: error, at: now())
            let now = now()
            guard error.isPermanent else {
                let first = config.retryAfter.seconds
                let postponed = try await ledger.postpone(record, error: error.description, at: now) {
                    now.addingTimeInterval(RetrySchedule.delay(attempt: $0, first: first))
                }
                logger.warning("will retry", metadata: ["voicemail": "\(record.id ?? 0)", "file": "\(probe?.path ?? record.sourcePath)", "error": "\(error)"])
                return StageResult(.pending, postponed, "\(error) — kept pending, will retry", code: .mail(error.code))
            }
            let refused = try await ledger.markUndeliverable(record, error: error.description, at: now)
            logger.error(
                "the mail server refused the card for good",
                metadata: ["voicemail": "\(record.id ?? 0)", "outbox": "\(entry.id ?? 0)", "file": "\(probe?.path ?? record.sourcePath)", "error": "\(error)"])
            return StageResult(
                .failed, refused, "\(error) — not retried; fix the cause, then `ringback outbox retry \(entry.id ?? 0)`", code: .mail(error.code))
        }
        try await ledger.markSent(entry, report: report, at: now())
        // A transcript still owed is tried again in the background, first twice `retry_after` after the card.
        let notified = try await ledger.markNotified(
            record, at: now(), followUpAt: now().addingTimeInterval(RetrySchedule.delay(attempt: 1, first: followUpDelay)))
        logger.info(
            "card sent",
            metadata: ["voicemail": "\(notified.id ?? 0)", "caller": "\(record.caller(owner: config.owner))", "transport": "\(mailer.transport.name)"])
        var detail = "\(notified.kind == .missedCall ? "missed-call card" : "card") sent to \(recipients.map(\.address).joined(separator: ", "))"
        if notified.awaitsTranscript {
            detail += " without a transcript (\(notified.transcriptFailure ?? "no engine answered")); it will follow as a reply"
        }
        return StageResult(.notified, notified, detail)
    }
}
