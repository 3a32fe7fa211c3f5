import Foundation
import Logging
import RingbackCore

/// The transcript for a voicemail: before its card, and after it when the engines failed at first.
///
/// When every engine fails the card still goes out, saying so, and the transcript is owed: the ledger keeps the
/// voicemail due, and `followUp` tries again with back-off and sends what the engines give as a reply to the card,
/// until `transcription.follow_up_within` after the card has passed.
struct TranscriptStage: Sendable {
    /// The engines, tried in order with retries; nil when transcription is off.
    let chain: TranscriptionChain?
    let config: PipelineConfig
    let ledger: any Ledger
    let mailer: Mailer
    let metrics: RingbackMetrics
    let logger: Logger
    let now: @Sendable () -> Date

    /// The transcript for the card, stored with the record; nil when Ringback is stopping (the record stays
    /// `received` and is taken up at the next start).
    func beforeCard(_ record: VoicemailRecord, probe: VoicemailProbe) async throws(LedgerError) -> VoicemailRecord? {
        var record = record
        if let chain, record.kind == .voicemail {
            do throws(TranscriptionError) {
                let transcript = try await transcribe(record, probe: probe, with: chain)
                record.apply(transcript, owner: config.owner)
                if transcript.text.isEmpty {
                    // Silence, noise, touch tones or hold music: nobody spoke, so this is a missed call, not a message.
                    record.kind = .missedCall
                    logger.info("no speech in the recording: a missed call", metadata: ["voicemail": "\(record.id ?? 0)"])
                }
                if !record.isUrgent, let text = record.transcript, config.callbacks.isUrgent(transcript: text) {
                    // "burst pipe": the caller said it is urgent, so the card says so and the deadline tightens.
                    record.isUrgent = true
                    record.dueAt = min(record.dueAt, config.callbacks.deadline(receivedAt: record.receivedAt, urgent: true, timeZone: config.owner.timezone))
                }
            } catch {
                if error.code == .cancelled { return nil }
                record.transcriptStatus = .retrying
                record.transcriptFailure = error.plainReason
                record.lastError = error.description
                logger.warning("no transcript for the card; it will follow", metadata: ["voicemail": "\(record.id ?? 0)", "error": "\(error)"])
            }
        } else {
            record.transcriptStatus = .skipped  // nothing configured, or a missed call with nothing to transcribe
        }
        return try await ledger.markTranscribed(record, at: now())
    }

    /// A card already out whose transcript is owed: try the engines again, then send what they give as a reply.
    func followUp(_ record: VoicemailRecord, probe: VoicemailProbe, recipients: [MailAddress]) async throws(LedgerError) -> StageResult {
        var record = record
        if record.transcriptStatus == .retrying, let chain {
            do throws(TranscriptionError) {
                record.apply(try await transcribe(record, probe: probe, with: chain), owner: config.owner)
            } catch {
                record.transcriptFailure = error.plainReason
                return try await postpone(record, error: error.description, code: .transcription(error.code))
            }
            record = try await ledger.markLateTranscript(record, at: now())
        }
        guard record.transcriptStatus == .followUpDue else {  // engines removed from the config since the card
            return try await postpone(record, error: "no transcription engine is configured", code: .transcription(.preparation))
        }
        let reply = MessageCard(record: record, config: config, attachment: nil).transcriptFollowUp()
        let entry = try await ledger.enqueue(
            voicemailID: record.id ?? 0, purpose: .transcript, messageID: reply.messageID, recipients: recipients + config.mail.cc, at: now())
        let report: DeliveryReport
        do throws(MailError) {
            report = try await mailer.send(reply, record: record, probe: probe, to: recipients)
        } catch {
            try await ledger.markFailed(entry, error: error, at: now())
            guard error.isPermanent else { return try await postpone(record, error: error.description, code: .mail(error.code)) }
            record = try await ledger.abandonTranscript(record, reason: "the mail server refused the reply carrying it", error: error.description, at: now())
            logger.error(
                "the mail server refused the transcript reply for good",
                metadata: ["voicemail": "\(record.id ?? 0)", "outbox": "\(entry.id ?? 0)", "error": "\(error)"])
            return StageResult(.failed, record, "\(error) — not retried; `ringback outbox retry \(entry.id ?? 0)` sends it again", code: .mail(error.code))
        }
        try await ledger.markSent(entry, report: report, at: now())
        record = try await ledger.markFollowedUp(record, at: now())
        logger.info("transcript sent as a reply to the card", metadata: ["voicemail": "\(record.id ?? 0)", "engine": "\(record.transcriptEngine ?? "")"])
        return StageResult(.followedUp, record, "transcript by \(record.transcriptEngine ?? "the engine") sent as a reply to the card")
    }

    /// The card is out; its transcript (or the reply carrying it) failed again. Tried later with back-off until
    /// `transcription.follow_up_within` after the card has passed, then given up.
    private func postpone(_ record: VoicemailRecord, error: String, code: ProcessOutcome.ErrorCode) async throws(LedgerError) -> StageResult {
        let now = now()
        let giveUpAt = (record.notifiedAt ?? now).addingTimeInterval(config.transcription.followUpWithin.seconds)
        if record.transcriptStatus == .retrying, now >= giveUpAt {
            var counted = record
            counted.attempts += 1
            let abandoned = try await ledger.abandonTranscript(counted, reason: nil, error: error, at: now)
            logger.error("gave up on the transcript", metadata: ["voicemail": "\(record.id ?? 0)", "error": "\(error)"])
            return StageResult(
                .skipped, abandoned, "card sent earlier; gave up on its transcript after \(config.transcription.followUpWithin): \(error)", code: code)
        }
        let first = followUpDelay
        let postponed = try await ledger.postpone(record, error: error, at: now) { attempts in
            min(now.addingTimeInterval(RetrySchedule.delay(attempt: attempts + 1, first: first)), max(giveUpAt, now))
        }
        logger.warning("transcript follow-up will retry", metadata: ["voicemail": "\(record.id ?? 0)", "error": "\(error)"])
        return StageResult(.pending, postponed, "card sent earlier; its transcript is still owed: \(error) — will retry", code: code)
    }

    /// The first wait before a transcript owed after its card is tried again: twice `retry_after`.
    var followUpDelay: TimeInterval { 2 * config.retryAfter.seconds }

    /// Every engine in order; each request is recorded in the ledger whatever its outcome.
    private func transcribe(_ record: VoicemailRecord, probe: VoicemailProbe, with chain: TranscriptionChain) async throws(TranscriptionError) -> Transcript {
        let (ledger, metrics) = (self.ledger, self.metrics)
        let voicemailID = record.id ?? 0
        let transcript = try await chain.transcribe(URL(fileURLWithPath: probe.path), probe: probe.audio) { attempt in
            metrics.recordAttempt(engine: attempt.engine, duration: attempt.duration, failed: attempt.error != nil)
            let (seconds, attoseconds) = attempt.duration.components
            try? await ledger.recordAttempt(
                TranscriptionAttemptRecord(
                    id: nil, voicemailID: voicemailID, engine: attempt.engine, startedAt: attempt.startedAt,
                    durationMs: seconds * 1000 + attoseconds / 1_000_000_000_000_000, succeeded: attempt.error == nil,
                    httpStatus: attempt.error?.status, error: attempt.error?.description))
        }
        logger.info("transcribed", metadata: ["voicemail": "\(voicemailID)", "engine": "\(transcript.engine)"])
        return transcript
    }
}

/// Back-off for work that failed: `first`, doubling with each attempt, at most an hour.
enum RetrySchedule {
    static func delay(attempt: Int, first: TimeInterval) -> TimeInterval {
        min(first * pow(2, Double(max(attempt, 1) - 1)), 3600)
    }
}
