import Foundation
import Logging
import RingbackCore

/// Sends what Ringback writes (cards, transcript replies, reminders, digests): each message is written to a file in
/// `outgoing/` beside the ledger, handed to the transport, and removed.
struct Mailer: Sendable {
    let config: PipelineConfig
    let ledger: any Ledger
    let transport: any MailTransport
    let composer: CardComposer
    let logger: Logger
    let now: @Sendable () -> Date

    /// Sends a card, reply or reminder.
    ///
    /// Recipients in another time zone (`mail.timezones`) get their own copy with times in their zone, its own
    /// Message-ID (`….tz-europe-berlin@…`) and thread. Those copies go first, each recorded in the outbox, so a retry
    /// after a partial failure sends only what did not go out; the caller's copy, under the card's own Message-ID,
    /// goes last.
    func send(_ card: MessageCard, record: VoicemailRecord, probe: VoicemailProbe?, to recipients: [MailAddress], resending: Bool = false)
        async throws(MailError) -> DeliveryReport
    {
        let context = await CardContext.gather(
            for: record, purpose: card.purpose, from: ledger, timeZone: config.owner.timezone, texts: config.callerTexts != nil)
        var report = DeliveryReport(accepted: [], refused: [])
        for group in MailZones(config.mail, owner: config.owner.timezone).groups(to: recipients, cc: config.mail.cc) {
            var copy = card
            copy.timeZone = group.zone
            guard !group.isMain else {
                report.merge(try await sendOne(copy, record: record, probe: probe, context: context, to: group.to, cc: group.cc))
                continue
            }
            copy = copy.inTimeZone(group.zone)
            if !resending, (try? await ledger.isSettled(messageID: copy.messageID)) == true { continue }
            let entry = try? await ledger.enqueue(
                voicemailID: record.id ?? 0, purpose: OutboxRecord.Purpose(card.purpose), messageID: copy.messageID,
                recipients: group.to + group.cc, at: now())
            do throws(MailError) {
                let sent = try await sendOne(copy, record: record, probe: probe, context: context, to: group.to, cc: group.cc)
                if let entry { try? await ledger.markSent(entry, report: sent, at: now()) }
                report.merge(sent)
            } catch {
                if let entry { try? await ledger.markFailed(entry, error: error, at: now()) }
                // Refused for good: those recipients are refused, the others still get theirs. Transient: try all later.
                guard error.isPermanent else { throw error }
                logger.warning(
                    "a copy was refused for good", metadata: ["voicemail": "\(record.id ?? 0)", "zone": "\(group.zone.identifier)", "error": "\(error)"])
                report.refused += (group.to + group.cc).map {
                    DeliveryReport.Refusal(recipient: $0, reply: error.message, responseCode: error.responseCode)
                }
            }
        }
        return report
    }

    /// `ringback card preview`: the card written to `file`, nothing sent.
    func preview(_ card: MessageCard, record: VoicemailRecord, probe: VoicemailProbe, to recipients: [MailAddress], file: URL) async throws(MailError)
        -> MessageCard
    {
        let context = await CardContext.gather(
            for: record, purpose: card.purpose, from: ledger, timeZone: config.owner.timezone, texts: config.callerTexts != nil)
        return try await rendering { () async throws(CardError) in
            try await composer.compose(card, record: record, probe: probe, context: context, to: recipients, cc: config.mail.cc, file: file)
        }
    }

    private func sendOne(
        _ card: MessageCard, record: VoicemailRecord, probe: VoicemailProbe?, context: CardContext, to recipients: [MailAddress], cc: [MailAddress]
    ) async throws(MailError) -> DeliveryReport {
        try await withMessageFile(token: card.token) { file async throws(MailError) -> DeliveryReport in
            let written = try await rendering { () async throws(CardError) in
                try await composer.compose(card, record: record, probe: probe, context: context, to: recipients, cc: cc, file: file)
            }
            var envelope = written.to
            for copy in written.cc where !envelope.contains(where: { $0.address.lowercased() == copy.address.lowercased() }) { envelope.append(copy) }
            let report = try await transport.deliver(OutgoingMessage(file: file, from: config.mail.from, recipients: envelope, token: written.token))
            for refusal in report.refused {
                logger.warning(
                    "a recipient refused the card",
                    metadata: ["voicemail": "\(record.id ?? 0)", "recipient": "\(refusal.recipient.address)", "reply": "\(refusal.reply)"])
            }
            return report
        }
    }

    /// Sends a digest, written by `Digest` itself.
    func send(_ digest: Digest, token: String) async throws(MailError) {
        try await withMessageFile(token: token) { file async throws(MailError) in
            try await rendering { () throws(CardError) in
                try digest.write(to: file, messageID: MessageCard.messageID(token: token, domain: config.mail.from.domain))
            }
            try await transport.deliver(OutgoingMessage(file: file, from: config.mail.from, recipients: digest.to, token: token))
        }
    }

    /// A message that could not be written fails as `mail.render`.
    private func rendering<T>(_ body: () async throws(CardError) -> T) async throws(MailError) -> T {
        do throws(CardError) { return try await body() } catch { throw MailError(code: .render, message: error.message) }
    }

    /// A fresh file in `outgoing/` for one message, removed once `body` is done with it.
    private func withMessageFile<T>(token: String, _ body: (URL) async throws(MailError) -> T) async throws(MailError) -> T {
        let outgoing = URL(fileURLWithPath: config.localFolder).appendingPathComponent("outgoing", isDirectory: true)
        try? FileManager.default.createDirectory(at: outgoing, withIntermediateDirectories: true)
        let file = outgoing.appendingPathComponent("\(token).\(UUID().uuidString.prefix(8)).eml")
        defer { try? FileManager.default.removeItem(at: file) }
        return try await body(file)
    }
}

extension OutboxRecord.Purpose {
    /// The outbox's name for what a message is.
    init(_ purpose: MessageCard.Purpose) {
        switch purpose {
        case .card: self = .card
        case .transcriptFollowUp: self = .transcript
        case .reminder: self = .reminder
        }
    }
}
