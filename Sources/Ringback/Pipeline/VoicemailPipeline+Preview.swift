public import Foundation
import RingbackCore

extension VoicemailPipeline {
    /// `ringback card preview`: the card this voicemail would get, written to `file`, with nothing stored or sent.
    /// `transcribe` runs the configured engines; without it the card shows where the transcript would be.
    public func preview(_ source: VoicemailSource, transcribe: Bool, writingTo file: URL) async throws(CardPreviewError) -> MessageCard {
        let probe: VoicemailProbe
        do throws(VoicemailProbeError) {
            probe = try VoicemailProbe.probe(source, layout: source.intake.reader(owner: config.owner))
        } catch {
            throw .probe(error)
        }
        // A voicemail the ledger holds is previewed as the ledger has it: its number, transcript and callback.
        if let stored = try? await ledger.voicemail(key: probe.identity.key), !transcribe || stored.transcript != nil {
            return try await preview(
                MessageCard(record: stored, config: config, attachment: nil), record: stored, probe: probe, source: source, writingTo: file)
        }
        var record = VoicemailRecord.received(probe, intake: source.intake, config: config, at: now())
        record.state = .transcribed
        if transcribe, let transcription, record.kind == .voicemail {
            do throws(TranscriptionError) {
                let transcript = try await transcription.transcribe(URL(fileURLWithPath: probe.path), probe: probe.audio)
                record.apply(transcript, owner: config.owner)
                if transcript.text.isEmpty { record.kind = .missedCall }  // as the real run decides
            } catch {
                record.transcriptStatus = .retrying
                record.transcriptFailure = error.plainReason
            }
        }
        var card = MessageCard(record: record, config: config, attachment: nil)
        if !transcribe, transcription != nil, record.kind == .voicemail {
            card.transcript = .unavailable(reason: "preview without --transcribe; the engines were not asked")
        }
        return try await preview(card, record: record, probe: probe, source: source, writingTo: file)
    }

    private func preview(
        _ card: MessageCard, record: VoicemailRecord, probe: VoicemailProbe, source: VoicemailSource, writingTo file: URL
    ) async throws(CardPreviewError) -> MessageCard {
        let recipients = source.intake.recipients(mailbox: record.mailbox, context: record.mailboxContext) ?? config.mail.to
        do throws(MailError) {
            return try await mailer.preview(card, record: record, probe: probe, to: recipients, file: file)
        } catch {
            throw .mail(error)
        }
    }
}

extension VoicemailRecord {
    /// A voicemail just probed, before any stage: its caller, length, kind, deadline and the card's Message-ID.
    static func received(_ probe: VoicemailProbe, intake: IntakeConfig, config: PipelineConfig, at created: Date) -> VoicemailRecord {
        let urgent = probe.isUrgent || probe.caller.number.map(config.callbacks.vip.contains) == true
        return VoicemailRecord(
            id: nil, key: probe.identity.key, sourcePath: probe.path, state: .received, receivedAt: probe.receivedAt,
            callerName: probe.caller.name, callerNumber: probe.caller.number, callerRaw: probe.caller.raw,
            durationMs: probe.audio.durationMilliseconds, format: probe.audio.format.description, isUrgent: urgent,
            kind: probe.isMissedCall(minSeconds: intake.minSeconds) ? .missedCall : .voicemail,
            mailbox: probe.metadata.mailbox.map(TextSafety.line), mailboxContext: probe.metadata.context.map(TextSafety.line),
            transcript: nil, transcriptEngine: nil, transcriptStatus: .pending, transcriptConfidence: nil, transcriptIsDraft: false,
            transcriptFailure: nil, attempts: 0, lastError: nil, nextAttemptAt: nil,
            messageID: MessageCard.messageID(token: probe.identity.token, domain: config.mail.from.domain), notifiedAt: nil,
            dueAt: config.callbacks.deadline(receivedAt: probe.receivedAt, urgent: urgent, timeZone: config.owner.timezone),
            callbackState: .open, callbackClosedAt: nil, callbackClosedBy: nil, createdAt: created, updatedAt: created)
    }
}
