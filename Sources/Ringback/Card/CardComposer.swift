import Foundation
import RingbackAudio
import RingbackCore

/// What a card shows beyond its own record, read from the ledger before composing so that composing never reads
/// it: earlier calls from the number, today's calls, and the open callback a repeat call joined.
struct CardContext: Sendable {
    var earlierCalls: (count: Int, last: Date)?
    var callsToday: [Date] = []
    /// The callback a repeat call folded into: its number, its deadline, its urgency.
    var primary: (id: Int64, dueAt: Date, isUrgent: Bool)?
    /// The newest text to the caller (`caller_texts`): what they were told.
    var told: CallerTextRecord?

    static let none = CardContext()
}

/// Writes a card, a reply or a reminder to a message file. Only the card carries the audio (as `mail.attach_audio`
/// asks, within `mail.attach_max_bytes`) and the count of earlier calls.
struct CardComposer: Sendable {
    let config: PipelineConfig
    let now: @Sendable () -> Date

    func compose(
        _ card: MessageCard, record: VoicemailRecord, probe: VoicemailProbe?, context: CardContext,
        to recipients: [MailAddress], cc: [MailAddress], file: URL
    ) async throws(CardError) -> MessageCard {
        var card = card
        var prepared: PreparedAudio?
        if card.purpose == .card, record.kind == .voicemail || card.noSpeechHeardBy != nil, let probe {
            (prepared, card.recordingNote) = try await attachment(for: probe)
            card.attachment = prepared.map { MessageCard.attachment($0, receivedAt: record.receivedAt, timeZone: config.owner.timezone) }
            card.damage = probe.audio.damage
        } else if card.purpose == .card, let probe {
            // Too short or silent to hold a message: nothing worth playing is attached, but where it is is said.
            card.recordingNote = "not attached (nothing to hear); it is on the Ringback server at \(probe.path)"
            card.damage = probe.audio.damage
        }
        if card.purpose == .card {
            card.earlierCalls = context.earlierCalls
            card.callsToday = context.callsToday
        }
        if let primary = context.primary {
            card.callbackID = primary.id
            card.dueAt = primary.dueAt
            card.isUrgent = card.isUrgent || primary.isUrgent
        }
        card.told = context.told?.toldLine(timeZone: config.owner.timezone)
        card.to = recipients
        card.cc = cc
        if let web = config.web, let links = CallbackLinks(config: web), card.purpose != .transcriptFollowUp, let id = card.callbackID ?? record.id {
            card.actions = CallbackLinks.Action.onCards.map { ($0.label, links.url($0, voicemailID: id, now: now())) }
            if config.callerTexts != nil, let number = record.callerNumber, PhoneNumber.isE164(number), context.told?.kind != CallerTextRecord.late {
                // Says the time the caller would be told, counted now; the link counts it again when tapped.
                let later = config.callbacks.laterDeadline(than: card.dueAt, urgent: card.isUrgent, now: now(), timeZone: config.owner.timezone)
                let promise = CallbackPromise.phrase(later, now: now(), timeZone: config.owner.timezone)
                card.actions.append(("Running late? Text them: \(promise)", links.url(.late, voicemailID: id, now: now())))
            }
        }
        let written = card
        let (time, templates) = (now(), config.mail.templates)
        try await BlockingWork.run { () throws(CardError) in try CardWriter.write(written, to: file, now: time, templates: templates) }
        withExtendedLifetime(prepared) {}  // a converted attachment is a temp file, removed on release
        return card
    }

    /// The recording as the card attaches it, or why it is not attached.
    private func attachment(for probe: VoicemailProbe) async throws(CardError) -> (PreparedAudio?, note: String?) {
        let choice = config.mail.attachAudio
        let limit = Int64(config.mail.attachMaxBytes)
        let source = URL(fileURLWithPath: probe.path)
        let serverCopy = "It is on the Ringback server at \(probe.path)"
        if let expected = PreparedAudio.expectedSize(source, probe: probe.audio, as: choice), expected > limit {
            // Too large to attach: known from its length, so it is not converted at all.
            let kind = choice == .original ? probe.audio.format.fileExtension.uppercased() : choice.rawValue.uppercased()
            return (nil, "not attached: the \(kind) would be \(Self.megabytes(expected)), over mail.attach_max_bytes (\(Self.megabytes(limit))). \(serverCopy)")
        }
        let prepared: PreparedAudio?
        do throws(AudioError) {
            prepared = try await BlockingWork.run { () throws(AudioError) -> PreparedAudio? in
                try PreparedAudio.forMail(source, probe: probe.audio, as: choice)
            }
        } catch {
            throw CardError("cannot prepare the audio attachment (\(choice.rawValue)): \(error)")
        }
        guard let audio = prepared else { return (nil, "not attached (mail.attach_audio is none). \(serverCopy)") }
        if audio.size > limit {  // the expectation can be short by a header or a frame
            return (
                nil,
                "not attached: the \(audio.format.fileExtension.uppercased()) is \(Self.megabytes(audio.size)), over mail.attach_max_bytes (\(Self.megabytes(limit))). \(serverCopy)"
            )
        }
        return (audio, nil)
    }

    /// `14.2 MB`, `12 kB`
    static func megabytes(_ bytes: Int64) -> String {
        bytes >= 1_000_000 ? String(format: "%.1f MB", Double(bytes) / 1_000_000) : "\(max(1, (bytes + 500) / 1000)) kB"
    }
}
