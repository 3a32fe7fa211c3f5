import Foundation
import RingbackCore

extension MessageCard {
    /// The card for a ledger row: what the ledger holds is what the owner reads, on the first send and any resend.
    init(record: VoicemailRecord, config: PipelineConfig, attachment: PreparedAudio?) {
        let transcript: TranscriptStatus
        if let text = record.transcript {
            transcript =
                text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
                ? .unavailable(reason: "the engine heard no speech")
                : .text(
                    text, engine: record.transcriptEngine ?? "the transcription engine", trust: Self.trust(record, minimum: config.transcription.minConfidence))
        } else if record.transcriptStatus == .retrying {
            let reason = record.transcriptFailure ?? "no transcription engine answered"
            let since = record.notifiedAt ?? record.updatedAt  // before the first send: when the engines gave up
            transcript = .following(reason: reason, until: since.addingTimeInterval(config.transcription.followUpWithin.seconds))
        } else if record.transcriptStatus == .abandoned {
            transcript = .unavailable(reason: record.transcriptFailure ?? "no transcription engine answered")
        } else {
            transcript = .notConfigured
        }
        self.init(
            voicemailID: record.id ?? 0, key: record.key, token: record.token, caller: record.caller(owner: config.owner), receivedAt: record.receivedAt,
            duration: .milliseconds(record.durationMs), isUrgent: record.isUrgent, isMissedCall: record.kind == .missedCall, mailbox: record.mailbox,
            transcript: transcript, dueAt: record.dueAt,
            timeZone: config.owner.timezone, from: config.mail.from, to: config.mail.to, messageID: record.messageID,
            attachment: attachment.map { Self.attachment($0, receivedAt: record.receivedAt, timeZone: config.owner.timezone) })
        if record.kind == .missedCall, record.transcript?.isEmpty == true { noSpeechHeardBy = record.transcriptEngine ?? "the transcription engine" }
        if let ending = record.missedEnding { missed = (ending, record.ringSeconds ?? 0) }
        if case .text = transcript { transcriptSegments = record.transcriptSegments ?? [] }
        if case .text(let text, _, _) = transcript, record.kind == .voicemail {
            spokenNumber = SpokenNumber.find(in: text, callerID: caller.phone, country: config.owner.country)
        }
    }

    /// `voicemail-2026-09-22-0524.mp3`: the recording named by when the call came in, in the owner's time zone.
    static func attachment(_ audio: PreparedAudio, receivedAt: Date, timeZone: TimeZone) -> Attachment {
        let stamp = WallClock.format(receivedAt, "yyyy-MM-dd-HHmm", in: timeZone)
        return Attachment(path: audio.url, filename: "voicemail-\(stamp).\(audio.format.fileExtension)", mimeType: audio.format.mimeType)
    }

    static func trust(_ record: VoicemailRecord, minimum: Double) -> Trust {
        if let confidence = record.transcriptConfidence, confidence < minimum { return .low(confidence: confidence) }
        return record.transcriptIsDraft ? .offlineDraft(confidence: record.transcriptConfidence) : .machine
    }
}

extension VoicemailRecord {
    /// The first `count` words of the transcript when it is not a guess (a voicemail's, at or above
    /// `min_confidence`), and whether it is the offline engine's draft; nil otherwise.
    func firstWords(_ count: Int, minConfidence: Double) -> (words: String, draft: Bool)? {
        guard kind == .voicemail, let text = transcript?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        if let confidence = transcriptConfidence, confidence < minConfidence { return nil }
        let words = text.split(whereSeparator: \.isWhitespace)
        return (words.prefix(count).joined(separator: " ") + (words.count > count ? " …" : ""), transcriptIsDraft)
    }
}
