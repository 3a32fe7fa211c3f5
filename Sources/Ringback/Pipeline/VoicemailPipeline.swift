public import Foundation
public import Logging
import RingbackAudio

/// One voicemail file through every stage: probe → ledger → transcript → card → mail.
///
/// Each stage's result is stored before the next starts, so a crash resumes at the unfinished stage and a
/// voicemail already notified is never sent again (unless `resend` asks for it).
public struct VoicemailPipeline: Sendable {
    public struct Options: Sendable {
        public var dryRun = false
        public var resend = false
        public init(dryRun: Bool = false, resend: Bool = false) {
            self.dryRun = dryRun
            self.resend = resend
        }
    }

    public let config: PipelineConfig
    public let ledger: Ledger
    /// The engines, tried in order with retries; nil when transcription is off.
    public let transcription: TranscriptionChain?
    public let transport: any MailTransport
    let quarantine: Quarantine
    let logger: Logger
    let now: @Sendable () -> Date
    /// Counted as the pipeline works; served at `/metrics`.
    public let metrics = RingbackMetrics()
    private let claims = ClaimSet()

    public init(
        config: PipelineConfig, ledger: Ledger, transcription: TranscriptionChain?, transport: any MailTransport,
        logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.config = config
        self.ledger = ledger
        self.transcription = transcription
        self.transport = transport
        self.quarantine = Quarantine(folder: URL(fileURLWithPath: config.quarantine))
        self.logger = logger
        self.now = now
    }

    /// Processes one file, read with the layout of the intake folder it lies in.
    public func process(_ url: URL, options: Options = .init()) async -> ProcessOutcome {
        let intake = config.intake(containing: url)
        let source = intake.source(containing: url, owner: config.owner) ?? VoicemailSource(audio: url, intake: intake)
        return await process(source, options: options)
    }

    /// Processes one voicemail. Never throws: every failure becomes an outcome that names the file and the reason.
    public func process(_ source: VoicemailSource, options: Options = .init()) async -> ProcessOutcome {
        let url = source.audio
        let reader = source.intake.reader(owner: config.owner)
        // Plain files are complete when handed over; a PBX layout says itself when its message is.
        if source.intake.layout != .plain, case .waiting(let why) = reader.readiness(of: source, now: now()) {
            return ProcessOutcome(path: url.path, status: .waiting, detail: why)
        }
        let probe: VoicemailProbe
        let owner = config.owner
        do throws(VoicemailProbeError) {
            // Every frame is read: off the cooperative threads.
            probe = try await BlockingWork.run { () throws(VoicemailProbeError) -> VoicemailProbe in
                try VoicemailProbe.probe(source, layout: source.intake.reader(owner: owner))
            }
        } catch {
            return await reject(url, code: error.code, reason: error.reason, dryRun: options.dryRun)
        }
        guard await claims.claim(probe.identity.key) else {
            return outcome(probe, .skipped, nil, "same voicemail as a file being processed now (\(probe.identity.key))")
        }
        let result: ProcessOutcome
        do throws(LedgerError) {
            result = try await run(probe, source: source, options: options)
        } catch {
            logger.error("ledger failure", metadata: ["file": "\(url.path)", "error": "\(error)"])
            result = outcome(probe, .pending, nil, "ledger error: \(error)", code: error.code.rawValue)
        }
        await claims.release(probe.identity.key)
        if !options.dryRun {
            for file in [source.audio] + source.alternates { await remember(file, result) }
            if result.isFinal { settle(source) }
        }
        return result
    }

    /// `after: archive|delete`: the PBX's files go once the card is out. `keep` (the default) never touches them.
    private func settle(_ source: VoicemailSource) {
        let intake = source.intake
        guard intake.after != .keep else { return }
        let manager = FileManager.default
        let root = URL(fileURLWithPath: intake.path).standardizedFileURL.path
        let archive = URL(fileURLWithPath: intake.archiveTo ?? URL(fileURLWithPath: config.ledger).deletingLastPathComponent().appendingPathComponent("archive").path)
        for file in source.files {
            do {
                if intake.after == .delete {
                    try manager.removeItem(at: file)
                } else {
                    let relative = file.standardizedFileURL.path.hasPrefix(root + "/") ? String(file.standardizedFileURL.path.dropFirst(root.count + 1)) : file.lastPathComponent
                    let destination = archive.appendingPathComponent(relative)
                    try manager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try? manager.removeItem(at: destination)
                    try manager.moveItem(at: file, to: destination)
                }
            } catch {
                logger.warning("cannot \(intake.after.rawValue) a processed file", metadata: ["file": "\(file.path)", "error": "\(error.localizedDescription)"])
            }
        }
    }

    private func run(_ probe: VoicemailProbe, source: VoicemailSource, options: Options) async throws(LedgerError) -> ProcessOutcome {
        let existing = try await ledger.voicemail(key: probe.identity.key)
        if let existing, existing.state == .notified, !options.resend {
            guard existing.awaitsTranscript else {
                return outcome(probe, .skipped, existing, "already notified as #\(existing.id ?? 0)")
            }
            if options.dryRun {
                return outcome(probe, .planned, existing, "card sent as #\(existing.id ?? 0); its transcript is still owed: \(transcription?.name ?? "no transcription")")
            }
            return try await followUp(existing, probe: probe, recipients: recipients(existing, source))
        }
        if options.dryRun {
            let engine = transcription?.name ?? "no transcription"
            let plan = existing == nil ? "new" : "resume #\(existing?.id ?? 0) at \(existing?.state.rawValue ?? "")"
            return outcome(probe, .planned, existing, "\(plan): \(engine), card via \(transport.name) to \(config.mail.to.map(\.address).joined(separator: ", "))")
        }
        let stored = try await ledger.insertIfAbsent(newRecord(probe, intake: source.intake))
        var record = stored.record
        if stored.inserted, let damage = probe.audio.damage {
            // Damaged but readable: the card goes out with what could be read, and a copy is kept with the reason.
            let reason = "damaged but readable: \(damage); the card went out with what could be read"
            _ = try? quarantine.admit(source.audio, sidecar: nil, code: "audio.damaged", reason: reason, at: now())
            logger.warning("damaged recording", metadata: ["file": "\(source.audio.path)", "damage": "\(damage)"])
        }
        if stored.inserted, let id = record.id, let joined = try await ledger.fold(id, now: now()) {
            record.foldedInto = joined.id
            logger.info("a repeat call joins the open callback", metadata: ["voicemail": "\(id)", "callback": "\(joined.id ?? 0)"])
        }
        if record.state == .notified {  // --resend: send the card again from what the ledger holds
            record.state = .transcribed
        }
        if record.state == .received {
            guard let transcribed = try await transcribeBeforeCard(record, probe: probe) else {
                return outcome(probe, .pending, record, "stopped while transcribing; taken up again at the next start", code: TranscriptionError.Code.cancelled.rawValue)
            }
            record = transcribed
        }
        let recipients = recipients(record, source)
        let entry = try await ledger.enqueue(
            voicemailID: record.id ?? 0, purpose: .card, messageID: record.messageID, recipients: recipients + config.mail.cc, at: now())
        let report: DeliveryReport
        do throws(MailError) {
            report = try await send(MessageCard(record: record, config: config, attachment: nil), record: record, probe: probe, to: recipients, resending: options.resend)
        } catch {
            try await ledger.markFailed(entry, error: error, at: now())
            guard error.isPermanent else { return try await postpone(record, probe, error: error.description, code: error.code.rawValue) }
            return try await undeliverable(record, probe, entry: entry, error: error)
        }
        try await ledger.markSent(entry, report: report, at: now())
        record.state = .notified
        record.notifiedAt = now()
        record.attempts = 0
        record.lastError = nil
        // A transcript still owed is tried again in the background, first twice `retry_after` after the card.
        record.nextAttemptAt = record.awaitsTranscript ? now().addingTimeInterval(Self.retryDelay(attempt: 1, first: followUpDelay)) : nil
        record.updatedAt = now()
        try await ledger.update(record)
        logger.info("card sent", metadata: ["voicemail": "\(record.id ?? 0)", "caller": "\(probe.caller)", "transport": "\(transport.name)"])
        let what = record.kind == .missedCall ? "missed-call card" : "card"
        var detail = "\(what) sent to \(recipients.map(\.address).joined(separator: ", "))"
        if record.awaitsTranscript {
            detail += " without a transcript (\(record.transcriptFailure ?? "no engine answered")); it will follow as a reply"
        }
        return outcome(probe, .notified, record, detail)
    }

    private func recipients(_ record: VoicemailRecord, _ source: VoicemailSource) -> [MailAddress] {
        source.intake.recipients(mailbox: record.mailbox, context: record.mailboxContext) ?? config.mail.to
    }

    private func newRecord(_ probe: VoicemailProbe, intake: IntakeConfig) -> VoicemailRecord {
        let token = probe.identity.token
        let created = now()
        let urgent = probe.isUrgent || probe.caller.number.map(config.callbacks.vip.contains) == true
        return VoicemailRecord(
            id: nil, key: probe.identity.key, sourcePath: probe.path, state: .received, receivedAt: probe.receivedAt,
            callerName: probe.caller.name, callerNumber: probe.caller.number, callerRaw: probe.caller.raw,
            durationMs: probe.audio.durationMilliseconds, format: probe.audio.format.description, isUrgent: urgent,
            kind: probe.isMissedCall(minSeconds: intake.minSeconds) ? .missedCall : .voicemail,
            mailbox: probe.metadata.mailbox, mailboxContext: probe.metadata.context,
            transcript: nil, transcriptEngine: nil, transcriptStatus: .pending, transcriptConfidence: nil, transcriptIsDraft: false,
            transcriptFailure: nil, attempts: 0, lastError: nil, nextAttemptAt: nil,
            messageID: MessageCard.messageID(token: token, domain: config.mail.from.domain), notifiedAt: nil,
            dueAt: config.callbacks.deadline(receivedAt: probe.receivedAt, urgent: urgent, timeZone: config.owner.timezone),
            callbackState: .open, callbackClosedAt: nil, callbackClosedBy: nil, createdAt: created, updatedAt: created)
    }

    /// The transcript for the card. When every engine fails the card still goes out, saying so, and the transcript
    /// is owed: the ledger keeps trying and sends it as a reply.
    /// Nil when Ringback is stopping: the record stays `received` and is taken up at the next start.
    private func transcribeBeforeCard(_ record: VoicemailRecord, probe: VoicemailProbe) async throws(LedgerError) -> VoicemailRecord? {
        var record = record
        record.state = .transcribed
        record.updatedAt = now()
        if let transcription, record.kind == .voicemail {
            do throws(TranscriptionError) {
                let transcript = try await transcribe(record, probe: probe, with: transcription)
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
        try await ledger.update(record)
        return record
    }

    /// A card already out whose transcript is owed: try the engines again, then send what they give as a reply.
    private func followUp(_ record: VoicemailRecord, probe: VoicemailProbe, recipients: [MailAddress]) async throws(LedgerError) -> ProcessOutcome {
        var record = record
        if record.transcriptStatus == .retrying, let transcription {
            do throws(TranscriptionError) {
                record.apply(try await transcribe(record, probe: probe, with: transcription), owner: config.owner)
            } catch {
                record.transcriptFailure = error.plainReason
                return try await postponeTranscript(record, probe, error: error.description, code: error.code.rawValue)
            }
            record.transcriptStatus = .followUpDue
            record.attempts = 0
            record.lastError = nil
            record.updatedAt = now()
            try await ledger.update(record)
        }
        guard record.transcriptStatus == .followUpDue else {  // engines removed from the config since the card
            return try await postponeTranscript(record, probe, error: "no transcription engine is configured", code: TranscriptionError.Code.preparation.rawValue)
        }
        let reply = MessageCard(record: record, config: config, attachment: nil).transcriptFollowUp()
        let entry = try await ledger.enqueue(
            voicemailID: record.id ?? 0, purpose: .transcript, messageID: reply.messageID, recipients: recipients + config.mail.cc, at: now())
        let report: DeliveryReport
        do throws(MailError) {
            report = try await send(reply, record: record, probe: probe, to: recipients)
        } catch {
            try await ledger.markFailed(entry, error: error, at: now())
            guard error.isPermanent else { return try await postponeTranscript(record, probe, error: error.description, code: error.code.rawValue) }
            record.transcriptStatus = .abandoned
            record.transcriptFailure = "the mail server refused the reply carrying it"
            record.lastError = error.description
            record.nextAttemptAt = nil
            record.updatedAt = now()
            try await ledger.update(record)
            logger.error("the mail server refused the transcript reply for good", metadata: ["voicemail": "\(record.id ?? 0)", "outbox": "\(entry.id ?? 0)", "error": "\(error)"])
            return outcome(probe, .failed, record, "\(error) — not retried; `ringback outbox retry \(entry.id ?? 0)` sends it again", code: error.code.rawValue)
        }
        try await ledger.markSent(entry, report: report, at: now())
        record.transcriptStatus = .followedUp
        record.attempts = 0
        record.lastError = nil
        record.nextAttemptAt = nil
        record.updatedAt = now()
        try await ledger.update(record)
        logger.info("transcript sent as a reply to the card", metadata: ["voicemail": "\(record.id ?? 0)", "engine": "\(record.transcriptEngine ?? "")"])
        return outcome(probe, .followedUp, record, "transcript by \(record.transcriptEngine ?? "the engine") sent as a reply to the card")
    }

    /// Every engine in order; each request is recorded in the ledger whatever its outcome.
    private func transcribe(_ record: VoicemailRecord, probe: VoicemailProbe, with chain: TranscriptionChain) async throws(TranscriptionError) -> Transcript {
        let ledger = self.ledger
        let metrics = self.metrics
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

    /// Writes the message to a file beside the ledger and hands it to the transport.
    @discardableResult
    ///
    /// Recipients in another time zone (`mail.timezones`) get their own copy with times in their zone, its own
    /// Message-ID (`….tz-europe-berlin@…`) and thread. Those copies go first, each recorded in the outbox, so a retry
    /// after a partial failure sends only what did not go out; the caller's copy, under the card's own Message-ID,
    /// goes last.
    func send(_ card: MessageCard, record: VoicemailRecord, probe: VoicemailProbe?, to recipients: [MailAddress], resending: Bool = false) async throws(MailError) -> DeliveryReport {
        var report = DeliveryReport(accepted: [], refused: [])
        let groups = MailZones(config.mail, owner: config.owner.timezone).groups(to: recipients, cc: config.mail.cc)
        for group in groups {
            var copy = card
            copy.timeZone = group.zone
            guard !group.isMain else {
                report.merge(try await sendOne(copy, record: record, probe: probe, to: group.to, cc: group.cc))
                continue
            }
            copy = copy.inTimeZone(group.zone)
            if !resending, (try? await ledger.isSettled(messageID: copy.messageID)) == true { continue }
            let entry = try? await ledger.enqueue(
                voicemailID: record.id ?? 0, purpose: card.purpose == .card ? .card : card.purpose == .transcriptFollowUp ? .transcript : .reminder,
                messageID: copy.messageID, recipients: group.to + group.cc, at: now())
            do throws(MailError) {
                let sent = try await sendOne(copy, record: record, probe: probe, to: group.to, cc: group.cc)
                if let entry { try? await ledger.markSent(entry, report: sent, at: now()) }
                report.merge(sent)
            } catch {
                if let entry { try? await ledger.markFailed(entry, error: error, at: now()) }
                // Refused for good: those recipients are refused, the others still get theirs. Transient: try all later.
                guard error.isPermanent else { throw error }
                logger.warning("a copy was refused for good", metadata: ["voicemail": "\(record.id ?? 0)", "zone": "\(group.zone.identifier)", "error": "\(error)"])
                report.refused += (group.to + group.cc).map {
                    DeliveryReport.Refusal(recipient: $0, reply: error.message, responseCode: error.responseCode)
                }
            }
        }
        return report
    }

    private func sendOne(_ card: MessageCard, record: VoicemailRecord, probe: VoicemailProbe?, to recipients: [MailAddress], cc: [MailAddress]) async throws(MailError) -> DeliveryReport {
        let outgoing = URL(fileURLWithPath: config.ledger).deletingLastPathComponent()
            .appendingPathComponent("outgoing", isDirectory: true)
        try? FileManager.default.createDirectory(at: outgoing, withIntermediateDirectories: true)
        let file = outgoing.appendingPathComponent("\(card.token).\(UUID().uuidString.prefix(8)).eml")
        defer { try? FileManager.default.removeItem(at: file) }
        let written = try await compose(card, record: record, probe: probe, to: recipients, cc: cc, file: file)
        var envelope = written.to
        for copy in written.cc where !envelope.contains(where: { $0.address.lowercased() == copy.address.lowercased() }) { envelope.append(copy) }
        let report = try await transport.deliver(OutgoingMessage(file: file, from: config.mail.from, recipients: envelope, token: written.token))
        for refusal in report.refused {
            logger.warning("a recipient refused the card", metadata: ["voicemail": "\(record.id ?? 0)", "recipient": "\(refusal.recipient.address)", "reply": "\(refusal.reply)"])
        }
        return report
    }

    /// The complete message in `file`. Only the card carries the audio (as `mail.attach_audio` asks, within
    /// `mail.attach_max_bytes`) and the count of earlier calls.
    func compose(_ card: MessageCard, record: VoicemailRecord, probe: VoicemailProbe?, to recipients: [MailAddress], cc: [MailAddress], file: URL) async throws(MailError) -> MessageCard {
        var card = card
        var prepared: PreparedAudio?
        if card.purpose == .card, record.kind == .voicemail, let probe {  // a missed call carries no recording worth playing
            let choice = config.mail.attachAudio
            let limit = Int64(config.mail.attachMaxBytes)
            let source = URL(fileURLWithPath: probe.path)
            let serverCopy = "It is on the Ringback server at \(probe.path)"
            var note: String?
            if let expected = PreparedAudio.expectedSize(source, probe: probe.audio, as: choice), expected > limit {
                // Too large to attach: known from its length, so it is not converted at all.
                let kind = choice == .original ? probe.audio.format.fileExtension.uppercased() : choice.rawValue.uppercased()
                note = "not attached: the \(kind) would be \(Self.megabytes(expected)), over mail.attach_max_bytes (\(Self.megabytes(limit))). \(serverCopy)"
            } else {
                do throws(AudioError) {
                    prepared = try await BlockingWork.run { () throws(AudioError) -> PreparedAudio? in
                        try PreparedAudio.forMail(source, probe: probe.audio, as: choice)
                    }
                } catch {
                    throw MailError(code: .render, message: "cannot prepare the audio attachment (\(choice.rawValue)): \(error)")
                }
                if let audio = prepared, audio.size > limit {  // the expectation can be short by a header or a frame
                    note = "not attached: the \(audio.format.fileExtension.uppercased()) is \(Self.megabytes(audio.size)), over mail.attach_max_bytes (\(Self.megabytes(limit))). \(serverCopy)"
                    prepared = nil
                } else if prepared == nil {
                    note = "not attached (mail.attach_audio is none). \(serverCopy)"
                }
            }
            card.attachment = prepared.map { MessageCard.attachment($0, receivedAt: record.receivedAt, timeZone: config.owner.timezone) }
            card.recordingNote = note
            card.damage = probe.audio.damage
        }
        if card.purpose == .card, let number = record.callerNumber {  // niceties: a ledger hiccup must not hold the card
            card.earlierCalls = try? await ledger.earlierCalls(from: number, before: record.receivedAt, excluding: record.id)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = config.owner.timezone
            let day = calendar.startOfDay(for: record.receivedAt)
            if let end = calendar.date(byAdding: .day, value: 1, to: day) {
                card.callsToday = (try? await ledger.calls(from: number, between: day, and: end)) ?? []
            }
        }
        if let primaryID = record.foldedInto, let primary = try? await ledger.voicemail(id: primaryID) {
            // One callback for the number: its number, its deadline.
            card.callbackID = primaryID
            card.dueAt = primary.dueAt
            card.isUrgent = card.isUrgent || primary.isUrgent
        }
        card.to = recipients
        card.cc = cc
        if let web = config.web, let links = CallbackLinks(config: web), card.purpose != .transcriptFollowUp, let id = card.callbackID ?? record.id {
            card.actions = CallbackLinks.Action.allCases.map { ($0.label, links.url($0, voicemailID: id, now: now())) }
        }
        let written = card
        let (time, templates) = (now(), config.mail.templates)
        try await BlockingWork.run { () throws(MailError) in try CardWriter.write(written, to: file, now: time, templates: templates) }
        withExtendedLifetime(prepared) {}  // a converted attachment is a temp file, removed on release
        return card
    }

    /// `ringback card preview`: the card this voicemail would get, written to `file`, with nothing stored or sent.
    /// `transcribe` runs the configured engines; without it the card shows where the transcript would be.
    public func preview(_ source: VoicemailSource, transcribe: Bool, writingTo file: URL) async throws(CardPreviewError) -> MessageCard {
        let probe: VoicemailProbe
        do throws(VoicemailProbeError) {
            probe = try VoicemailProbe.probe(source, layout: source.intake.reader(owner: config.owner))
        } catch {
            throw .probe(error)
        }
        var record = newRecord(probe, intake: source.intake)
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
        do throws(MailError) {
            return try await compose(card, record: record, probe: probe, to: recipients(record, source), cc: config.mail.cc, file: file)
        } catch {
            throw .mail(error)
        }
    }

    /// Keeps the voicemail pending with the reason; the next run (or the watcher, after a back-off) tries again.
    private func postpone(_ record: VoicemailRecord, _ probe: VoicemailProbe, error: String, code: String) async throws(LedgerError) -> ProcessOutcome {
        var record = record
        record.attempts += 1
        record.lastError = error
        record.nextAttemptAt = now().addingTimeInterval(Self.retryDelay(attempt: record.attempts, first: config.retryAfter.seconds))
        record.updatedAt = now()
        try await ledger.update(record)
        logger.warning("will retry", metadata: ["voicemail": "\(record.id ?? 0)", "file": "\(probe.path)", "error": "\(error)"])
        return outcome(probe, .pending, record, "\(error) — kept pending, will retry", code: code)
    }

    /// The server refused the card for good: retrying would only be refused again. Recorded, logged, and left for a
    /// person (`ringback outbox retry ID` once the cause is fixed).
    private func undeliverable(_ record: VoicemailRecord, _ probe: VoicemailProbe, entry: OutboxRecord, error: MailError) async throws(LedgerError) -> ProcessOutcome {
        var record = record
        record.state = .undeliverable
        record.attempts += 1
        record.lastError = error.description
        record.nextAttemptAt = nil
        record.updatedAt = now()
        try await ledger.update(record)
        logger.error("the mail server refused the card for good", metadata: ["voicemail": "\(record.id ?? 0)", "outbox": "\(entry.id ?? 0)", "file": "\(probe.path)", "error": "\(error)"])
        return outcome(probe, .failed, record, "\(error) — not retried; fix the cause, then `ringback outbox retry \(entry.id ?? 0)`", code: error.code.rawValue)
    }

    /// The card is out; its transcript (or the reply carrying it) failed again. Tried later with back-off until
    /// `transcription.follow_up_within` after the card has passed, then given up.
    private func postponeTranscript(_ record: VoicemailRecord, _ probe: VoicemailProbe, error: String, code: String) async throws(LedgerError) -> ProcessOutcome {
        var record = record
        record.attempts += 1
        record.lastError = error
        record.updatedAt = now()
        let giveUpAt = (record.notifiedAt ?? now()).addingTimeInterval(config.transcription.followUpWithin.seconds)
        if record.transcriptStatus == .retrying, now() >= giveUpAt {
            record.transcriptStatus = .abandoned
            record.nextAttemptAt = nil
            try await ledger.update(record)
            logger.error("gave up on the transcript", metadata: ["voicemail": "\(record.id ?? 0)", "error": "\(error)"])
            return outcome(probe, .skipped, record, "card sent earlier; gave up on its transcript after \(config.transcription.followUpWithin): \(error)", code: code)
        }
        record.nextAttemptAt = min(now().addingTimeInterval(Self.retryDelay(attempt: record.attempts + 1, first: followUpDelay)), max(giveUpAt, now()))
        try await ledger.update(record)
        logger.warning("transcript follow-up will retry", metadata: ["voicemail": "\(record.id ?? 0)", "error": "\(error)"])
        return outcome(probe, .pending, record, "card sent earlier; its transcript is still owed: \(error) — will retry", code: code)
    }

    /// `14.2 MB`, `12 kB`
    static func megabytes(_ bytes: Int64) -> String {
        bytes >= 1_000_000 ? String(format: "%.1f MB", Double(bytes) / 1_000_000) : "\(max(1, (bytes + 500) / 1000)) kB"
    }

    /// The first wait before a transcript owed after its card is tried again.
    private var followUpDelay: TimeInterval { 2 * config.retryAfter.seconds }

    /// `first`, doubling with each attempt, at most an hour.
    static func retryDelay(attempt: Int, first: TimeInterval) -> TimeInterval {
        min(first * pow(2, Double(max(attempt, 1) - 1)), 3600)
    }

    private func reject(_ url: URL, code: String, reason: String, dryRun: Bool) async -> ProcessOutcome {
        guard !dryRun else {
            return ProcessOutcome(path: url.path, status: .rejected, detail: "\(reason) (would be quarantined)", errorCode: code)
        }
        logger.warning("rejected", metadata: ["file": "\(url.path)", "reason": "\(reason)"])
        guard FileManager.default.fileExists(atPath: url.path) else {
            return ProcessOutcome(path: url.path, status: .rejected, detail: reason, errorCode: code)  // nothing to keep
        }
        var destination: URL?
        do {
            destination = try quarantine.admit(
                url, sidecar: url.deletingPathExtension().appendingPathExtension("txt"), code: code, reason: reason, at: now())
        } catch {
            logger.error("cannot quarantine", metadata: ["file": "\(url.path)", "error": "\(error.localizedDescription)"])
        }
        let rejection = RejectionRecord(id: nil, path: url.path, code: code, reason: reason, quarantinedTo: destination?.path, rejectedAt: now())
        try? await ledger.recordRejection(rejection)
        let result = ProcessOutcome(
            path: url.path, status: .rejected,
            detail: destination.map { "\(reason) (quarantined to \($0.path))" } ?? reason, errorCode: code)
        await remember(url, result)
        return result
    }

    private func outcome(_ probe: VoicemailProbe, _ status: ProcessOutcome.Status, _ record: VoicemailRecord?, _ detail: String, code: String? = nil) -> ProcessOutcome {
        let due = record?.dueAt ?? config.callbacks.deadline(receivedAt: probe.receivedAt, urgent: probe.isUrgent, timeZone: config.owner.timezone)
        return ProcessOutcome(
            path: probe.path, status: status, voicemailID: record?.id, key: probe.identity.key, caller: probe.caller.description,
            durationMs: probe.audio.durationMilliseconds, dueAt: due.formatted(.iso8601), detail: detail, errorCode: code,
            transcript: record?.transcriptStatus)
    }

    /// Notes the file's size and mtime so the watcher does not read it again until it changes or its retry is due.
    private func remember(_ url: URL, _ result: ProcessOutcome) async {
        guard let stamp = FileStamp(url) else { return }
        let outcome: IntakeFileRecord.Outcome = switch result.status {
        case _ where result.owesTranscript: .pending  // the watcher comes back for the transcript
        case .notified, .followedUp: .notified
        case .skipped: .duplicate
        case .rejected: .rejected
        case .pending, .planned, .waiting, .failed: .pending
        }
        try? await ledger.remember(
            IntakeFileRecord(path: url.path, size: stamp.size, modifiedAt: stamp.modifiedAt, voicemailKey: result.key, outcome: outcome, seenAt: now()))
    }
}

/// Why `ringback card preview` could not render a card.
public enum CardPreviewError: Error, CustomStringConvertible {
    case probe(VoicemailProbeError)
    case mail(MailError)

    public var description: String {
        switch self {
        case .probe(let error): error.reason
        case .mail(let error): error.description
        }
    }
}

/// Keys being processed right now, so two files of one voicemail (Asterisk's three formats) never race to two cards.
actor ClaimSet {
    private var active: Set<String> = []

    func claim(_ key: String) -> Bool { active.insert(key).inserted }
    func release(_ key: String) { active.remove(key) }
}

/// Size and modification time: how the watcher tells a file it has seen from one that changed.
struct FileStamp: Equatable {
    var size: Int64
    var modifiedAt: Double

    init?(_ url: URL) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { return nil }
        size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        modifiedAt = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
    }
}
