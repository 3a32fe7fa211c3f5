public import Foundation
public import Logging
import RingbackAudio
import RingbackCore

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
    public let ledger: any Ledger
    /// The engines, tried in order with retries; nil when transcription is off.
    public let transcription: TranscriptionChain?
    public let transport: any MailTransport
    let logger: Logger
    let now: @Sendable () -> Date
    /// When this process began: a webhook endpoint seen for the first time hears what happened from then on.
    let startedAt: Date
    /// Counted as the pipeline works; served at `/metrics`.
    public let metrics = RingbackMetrics()
    private(set) var claims: LedgerClaims
    // The stages.
    let intake: IntakeBook
    let transcripts: TranscriptStage
    let cards: CardStage
    let mailer: Mailer
    let spam: SpamFilter

    public init(
        config: PipelineConfig, ledger: any Ledger, transcription: TranscriptionChain?, transport: any MailTransport,
        logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.config = config
        self.ledger = ledger
        self.transcription = transcription
        self.transport = transport
        self.logger = logger
        self.now = now
        startedAt = now()
        claims = LedgerClaims(ledger: ledger, logger: logger, now: now)
        let quarantine = Quarantine(folder: URL(fileURLWithPath: config.quarantine), maxBytes: config.quarantineMaxBytes)
        intake = IntakeBook(config: config, ledger: ledger, quarantine: quarantine, logger: logger, now: now)
        mailer = Mailer(
            config: config, ledger: ledger, transport: transport, composer: CardComposer(config: config, now: now), logger: logger, now: now)
        transcripts = TranscriptStage(
            chain: transcription, config: config, ledger: ledger, mailer: mailer, metrics: metrics, logger: logger, now: now)
        spam = SpamFilter(config: config.callbacks.spam, vip: config.callbacks.vip, ledger: ledger)
        cards = CardStage(config: config, ledger: ledger, mailer: mailer, followUpDelay: transcripts.followUpDelay, logger: logger, now: now)
    }

    /// The same pipeline claiming its work as `owner` does: another node on the same ledger, in one test process.
    func claiming(as owner: String) -> VoicemailPipeline {
        var node = self
        node.claims = LedgerClaims(ledger: ledger, owner: owner, lease: claims.lease, logger: logger, now: now)
        return node
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
        // Read with lstat first, the recording and every file beside it (a sidecar too): a FIFO would block the open,
        // a link could lead anywhere.
        let roots = config.intake.map(\.path)
        if let (file, refusal) = source.files.lazy.compactMap({ file in IntakePath.refusal(for: file, roots: roots).map { (file, $0) } }).first {
            let error = IntakeError.notAFile(path: file.path, reason: file == url ? refusal : "\(file.lastPathComponent), beside it: \(refusal)")
            let detail = await intake.reject(url, code: error.code, reason: error.reason, dryRun: options.dryRun)
            return ProcessOutcome(path: url.path, status: .rejected, detail: detail, errorCode: .input(error.code))
        }
        let reader = source.intake.reader(owner: config.owner)
        // Plain files are complete when handed over; a PBX layout says itself when its message is.
        if source.intake.layout != .plain, case .waiting(let why) = reader.readiness(of: source, now: now()) {
            return ProcessOutcome(path: url.path, status: .waiting, detail: why)
        }
        let probe: VoicemailProbe
        do throws(VoicemailProbeError) {
            // Every frame is read: off the cooperative threads.
            probe = try await BlockingWork.run { () throws(VoicemailProbeError) -> VoicemailProbe in try VoicemailProbe.probe(source, layout: reader) }
        } catch {
            let detail = await intake.reject(url, code: error.code, reason: error.reason, dryRun: options.dryRun)
            return ProcessOutcome(path: url.path, status: .rejected, detail: detail, errorCode: .input(error.code))
        }
        let result: ProcessOutcome
        do throws(LedgerError) {
            result = try await claimed(probe, options: options) { () async throws(LedgerError) in
                try await run(probe, source: source, options: options)
            }
        } catch {
            logger.error("ledger failure", metadata: ["file": "\(url.path)", "error": "\(error)"])
            result = outcome(probe, StageResult(.pending, nil, "ledger error: \(error)", code: .ledger(error.code)))
        }
        if !options.dryRun { await intake.finish(source, key: result.key, result.intakeOutcome, isFinal: result.isFinal) }
        return result
    }

    /// The stages under the voicemail's claim in the ledger, so no other Ringback process works on it meanwhile. A
    /// dry run writes nothing, claims included.
    private func claimed(
        _ probe: VoicemailProbe, options: Options, _ stages: @Sendable () async throws(LedgerError) -> StageResult
    ) async throws(LedgerError) -> ProcessOutcome {
        guard !options.dryRun else { return outcome(probe, try await stages()) }
        switch try await claims.holding(probe.identity.key, stages) {
        case .ran(let result):
            return outcome(probe, result)
        case .heldHere:
            return outcome(probe, StageResult(.skipped, nil, "same voicemail as a file being processed now (\(probe.identity.key))"))
        case .heldElsewhere(let holder, _):
            return outcome(probe, StageResult(.waiting, nil, "another Ringback process (\(holder)) is working on this voicemail; looked at again after it"))
        }
    }

    /// The stages, each stored before the next starts: the record, its transcript, its card.
    private func run(_ probe: VoicemailProbe, source: VoicemailSource, options: Options) async throws(LedgerError) -> StageResult {
        let existing = try await ledger.voicemail(key: probe.identity.key)
        if let existing, existing.state == .notified, !options.resend {
            guard existing.awaitsTranscript else { return StageResult(.skipped, existing, "already notified as #\(existing.id ?? 0)") }
            guard !options.dryRun else {
                return StageResult(
                    .planned, existing, "card sent as #\(existing.id ?? 0); its transcript is still owed: \(transcription?.name ?? "no transcription")")
            }
            return try await transcripts.followUp(existing, probe: probe, recipients: recipients(existing, source))
        }
        if let existing, existing.state == .withheld, !options.resend {
            let why = existing.spamReason.map { "judged spam (\($0))" } ?? "listed in the digest only (callbacks.missed_calls: digest)"
            return StageResult(.withheld, existing, "\(why): no card; \"Not spam\" in the digest, or --resend, cards it")
        }
        if existing == nil, !options.resend, let carded = await intake.sizeWhenCarded(source, identity: probe.identity) {
            let detail =
                "grew from \(carded) to \(FileStamp(source.audio)?.size ?? 0) bytes after its card went out: no second card. The writer paused longer than"
                + " settle (\(source.intake.settle)); raise the intake's settle"
            logger.warning("a file grew after its card went out", metadata: ["file": "\(probe.path)", "detail": "\(detail)"])
            return StageResult(.skipped, nil, detail)
        }
        if options.dryRun { return plan(existing, probe: probe, source: source) }
        var record = try await store(probe, source: source)
        if record.state == .notified { record.state = .transcribed }  // --resend: the card again from what the ledger holds
        if record.state == .received {
            guard let transcribed = try await transcripts.beforeCard(record, probe: probe) else {
                return StageResult(.pending, record, "stopped while transcribing; taken up again at the next start", code: .transcription(.cancelled))
            }
            record = transcribed
        }
        if !options.resend, let withheld = try await judge(record, probe: probe) { return withheld }
        if !options.resend { await textBeforeCard(record) }
        return try await cards.send(record, probe: probe, to: recipients(record, source), resending: options.resend)
    }

    /// `--dry-run`: what the run would do, decided as the run decides it (a missed call gets no transcription).
    private func plan(_ existing: VoicemailRecord?, probe: VoicemailProbe, source: VoicemailSource) -> StageResult {
        let what = existing.map { "resume #\($0.id ?? 0) at \($0.state.rawValue)" } ?? "new"
        let to =
            existing.map { recipients($0, source) } ?? source.intake.recipients(mailbox: probe.metadata.mailbox, context: probe.metadata.context)
            ?? config.mail.to
        let via = "via \(transport.name) to \(to.map(\.address).joined(separator: ", "))"
        if (existing?.kind ?? (probe.isMissedCall(minSeconds: source.intake.minSeconds) ? .missedCall : .voicemail)) == .missedCall {
            return StageResult(.planned, existing, "\(what): a missed call (too short or silent, no transcription), missed-call card \(via)")
        }
        return StageResult(.planned, existing, "\(what): \(transcription?.name ?? "no transcription"), card \(via)")
    }

    /// The voicemail in the ledger, once: a damaged recording is kept aside, a repeat call joins the open callback.
    private func store(_ probe: VoicemailProbe, source: VoicemailSource) async throws(LedgerError) -> VoicemailRecord {
        let stored = try await ledger.insertIfAbsent(VoicemailRecord.received(probe, intake: source.intake, config: config, at: now()))
        var record = stored.record
        guard stored.inserted, let id = record.id else { return record }
        if let damage = probe.audio.damage { intake.keepDamaged(source, damage: damage) }
        if let joined = try await ledger.fold(id, now: now()) {
            record.foldedInto = joined.id
            logger.info("a repeat call joins the open callback", metadata: ["voicemail": "\(id)", "callback": "\(joined.id ?? 0)"])
        }
        return record
    }

    /// A call `callbacks.spam` judges spam gets no card: its callback is closed with the reason, which the digest
    /// lists. Judged once, before the first card; a "Not spam" tap is final; a repeat call is never judged.
    private func judge(_ record: VoicemailRecord, probe: VoicemailProbe) async throws(LedgerError) -> StageResult? {
        // A repeat call joined its number's open callback: the number is a caller's, and a verdict would close theirs.
        guard record.state == .transcribed, record.notifiedAt == nil, record.spamReason == nil, record.foldedInto == nil, let id = record.id
        else { return nil }
        let call = SpamFilter.Call(
            id: id, number: record.callerNumber, receivedAt: record.receivedAt, transcript: record.transcript, attestation: probe.metadata.attestation)
        guard let reason = await spam.verdict(call) else { return nil }
        guard try await !ledger.callbackEvents(id: id).contains(where: { $0.action == .notSpam }) else { return nil }
        let judged = try await ledger.changeCallback(id: id, .spam(reason: reason, block: nil), by: .filter, at: now(), note: reason).record
        logger.info("judged spam: no card", metadata: ["voicemail": "\(id)", "file": "\(probe.path)", "why": "\(reason)"])
        return StageResult(.withheld, judged, "judged spam (\(reason)): no card, listed in the digest; \"Not spam\" there cards it")
    }

    private func recipients(_ record: VoicemailRecord, _ source: VoicemailSource) -> [MailAddress] {
        source.intake.recipients(mailbox: record.mailbox, context: record.mailboxContext) ?? config.mail.to
    }

    private func outcome(_ probe: VoicemailProbe, _ result: StageResult) -> ProcessOutcome {
        let due = result.record?.dueAt ?? config.callbacks.deadline(receivedAt: probe.receivedAt, urgent: probe.isUrgent, timeZone: config.owner.timezone)
        return ProcessOutcome(
            path: probe.path, status: result.status, voicemailID: result.record?.id, key: probe.identity.key, caller: probe.caller.description,
            durationMs: probe.audio.durationMilliseconds, dueAt: due.formatted(.iso8601), detail: result.detail, errorCode: result.code,
            transcript: result.record?.transcriptStatus)
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
