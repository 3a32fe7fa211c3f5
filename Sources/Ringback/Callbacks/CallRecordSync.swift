public import Foundation
public import Logging
public import RingbackCore

/// Follows the PBX's call records: an inbound call nobody answered opens a callback (a missed call) unless it joins
/// one already open; an answered call to the caller's number, long enough to be a conversation, closes it (a
/// shorter or unanswered one records a try), and so does the caller getting through on a later call.
///
/// An actor: it keeps its place in the file between looks (`watch` looks every `callbacks.cdr.poll`, `ringback
/// callbacks sync` once).
public actor CallRecordSync {
    let config: CDRConfig
    let pipeline: PipelineConfig
    let ledger: any Ledger
    let logger: Logger
    let now: @Sendable () -> Date
    private let format: CallRecordFormat
    private let spam: SpamFilter
    private var follower: CallRecordFollower?

    /// What one look changed.
    public struct Changes: Sendable {
        /// Callbacks closed or tried.
        public var outcomes: [CallOutcome] = []
        /// Missed calls recorded: new callbacks, and repeat calls that joined an open one.
        public var missedCalls: [VoicemailRecord] = []
        /// Missed calls too old to open a callback (`open_within`).
        public var tooOld = 0
    }

    public init(config: CDRConfig, pipeline: PipelineConfig, ledger: any Ledger, logger: Logger, now: @escaping @Sendable () -> Date = { Date() })
        throws(CallRecordFormatError)
    {
        self.config = config
        self.pipeline = pipeline
        self.ledger = ledger
        self.logger = logger
        self.now = now
        format = try config.recordFormat(ownerTimeZone: pipeline.owner.timezone)
        spam = SpamFilter(config: pipeline.callbacks.spam, vip: pipeline.callbacks.vip, ledger: ledger)
    }

    /// Where the ledger keeps this file's read position: its path, within the site on a shared ledger (every PBX
    /// writes `Master.csv` at the same path).
    var cursorKey: String { pipeline.sharedSite.map { "\($0):\(config.path)" } ?? config.path }

    /// Reads what was appended since the last look and applies it.
    @discardableResult
    public func sync() async throws(LedgerError) -> Changes {
        if follower == nil {
            let saved = try await ledger.cdrCursor(path: cursorKey)
            follower = CallRecordFollower(path: config.path, resumeAt: saved.map { .init(inode: $0.inode, offset: $0.offset) })
        }
        guard let follower else { return Changes() }
        var changes = Changes()
        repeat {
            var inbound: [(key: String, rows: [CallRecord])] = []
            for line in follower.readNewLines() {
                guard let call = format.record(line) else { continue }
                // A call from the year 9999 would close every open callback to its number; from 1970, none.
                guard WallClock.plausible(call.start, now: now()) else {
                    logger.warning(
                        "skipped a call record whose time is impossible",
                        metadata: ["start": "\(call.start.timeIntervalSince1970) s since 1970", "file": "\(config.path)"])
                    continue
                }
                if config.inboundContexts.contains(call.context), let caller = outsideNumber(call.source) {
                    // The rows of one call (a ring group's legs, then voicemail) are one case.
                    let key = call.callID ?? "\(caller)@\(Int(call.start.timeIntervalSince1970))"
                    if let index = inbound.firstIndex(where: { $0.key == key }) {
                        inbound[index].rows.append(call)
                    } else {
                        inbound.append((key, [call]))
                    }
                } else if let called = outsideNumber(call.destination) {
                    // In the file's order: a callback closes the missed calls logged before it.
                    for call in inbound { try await applyInbound(call.rows, key: call.key, into: &changes) }
                    inbound.removeAll()
                    changes.outcomes += try await applyOutbound(call, to: called)
                }
            }
            for call in inbound { try await applyInbound(call.rows, key: call.key, into: &changes) }
            if let cursor = follower.cursor { try await ledger.saveCDRCursor(path: cursorKey, inode: cursor.inode, offset: cursor.offset) }
        } while !follower.caughtUp
        if changes.tooOld > 0 {
            logger.notice(
                "missed calls in the call records older than callbacks.cdr.open_within opened no callback",
                metadata: ["calls": "\(changes.tooOld)", "open_within": "\(config.openWithin)", "file": "\(config.path)"])
        }
        return changes
    }

    /// An outside number as E.164; nil for an extension, a withheld or unknown number.
    private func outsideNumber(_ text: String) -> String? {
        PhoneNumber(parsing: text, country: pipeline.owner.country, dialPrefixes: pipeline.owner.dialPrefixes).e164
    }

    /// The owner (or anyone at the business) called the number.
    private func applyOutbound(_ call: CallRecord, to number: String) async throws(LedgerError) -> [CallOutcome] {
        let talked = call.answered && call.talkSeconds >= config.minTalkSeconds
        let note = call.answered ? "answered, talked \(call.talkSeconds) s" : "not answered"
        let outcomes = try await ledger.applyCall(to: number, at: call.start, talked: talked, note: note)
        for outcome in outcomes {
            logger.info(
                "callback \(outcome.action == .done ? "closed" : "tried") from the call records",
                metadata: ["voicemail": "\(outcome.voicemailID)", "number": "\(number)", "call": "\(note)"])
        }
        return outcomes
    }

    /// One inbound call, all its rows: answered by a person, it closes the caller's open callback; missed, it is
    /// recorded as a callback of its own or joins the open one.
    private func applyInbound(_ rows: [CallRecord], key: String, into changes: inout Changes) async throws(LedgerError) {
        guard let first = rows.min(by: { $0.start < $1.start }), let number = outsideNumber(first.source) else { return }
        if let answered = rows.first(where: \.answeredByPerson) {
            guard answered.talkSeconds >= config.minTalkSeconds else { return }
            let note = "they called and got through, talked \(answered.talkSeconds) s"
            let outcomes = try await ledger.applyCall(to: number, at: answered.start, talked: true, note: note)
            for outcome in outcomes {
                logger.info("callback closed: the caller got through", metadata: ["voicemail": "\(outcome.voicemailID)", "number": "\(number)"])
            }
            changes.outcomes += outcomes
            return
        }
        let end = rows.map(\.end).max() ?? first.end
        let wait = rows.map(\.waitSeconds).max() ?? 0
        let ending = rows.map(\.ending).max() ?? .noAnswer
        // A misdial: hung up within seconds. A busy or failed line is never the caller's choice.
        guard ending <= .busy || (rows.map(\.durationSeconds).max() ?? 0) >= config.minRingSeconds else { return }
        guard pipeline.callbacks.missedCalls != .off else { return }
        guard now().timeIntervalSince(end) <= config.openWithin.seconds else {
            changes.tooOld += 1
            return
        }
        if let voicemail = try await ledger.voicemailOnTheSameCall(from: number, between: first.start.addingTimeInterval(-60), and: end.addingTimeInterval(60))
        {
            logger.debug("a missed call left a voicemail: one case", metadata: ["voicemail": "\(voicemail.id ?? 0)", "number": "\(number)"])
            return
        }
        let stored = try await ledger.insertIfAbsent(missedCall(rows, first: first, key: key, number: number, end: end, wait: wait, ending: ending))
        // Read again after a crash before the cursor was saved: folding and judging are finished if they were not.
        guard let id = stored.record.id, stored.inserted || (stored.record.state == .transcribed && stored.record.foldedInto == nil) else { return }
        var record = stored.record
        if let joined = try await ledger.fold(id, now: now()) {
            record.foldedInto = joined.id
            record.state = .withheld
            logger.info("a repeat missed call joins the open callback", metadata: ["voicemail": "\(id)", "callback": "\(joined.id ?? 0)"])
        } else if let reason = await spam.verdict(.init(id: id, number: number, receivedAt: first.start)) {
            record = try await ledger.changeCallback(id: id, .spam(reason: reason, block: nil), by: .filter, at: now(), note: reason).record
            logger.info("a missed call judged spam: no card", metadata: ["voicemail": "\(id)", "number": "\(number)", "why": "\(reason)"])
        } else {
            logger.info(
                "missed call recorded", metadata: ["voicemail": "\(id)", "number": "\(number)", "how": "\(ending.rawValue)", "waited": "\(wait) s"])
        }
        changes.missedCalls.append(record)
    }

    /// The ledger row for a missed call: a callback due like a voicemail's; its card waits `voicemail_wait` after
    /// the hang-up for a voicemail on the same call (or is never sent with `missed_calls: digest`).
    private func missedCall(
        _ rows: [CallRecord], first: CallRecord, key: String, number: String, end: Date, wait: Int, ending: CallRecord.Ending
    ) -> VoicemailRecord {
        let identity = VoicemailIdentity(source: .callRecord, value: key).within(pipeline.sharedSite)
        let urgent = pipeline.callbacks.vip.contains(number)
        let created = now()
        var record = VoicemailRecord(
            id: nil, key: identity.key, sourcePath: "\(config.path)#\(key)",
            state: pipeline.callbacks.missedCalls == .digest ? .withheld : .transcribed, receivedAt: first.start,
            callerName: nil, callerNumber: number, callerRaw: TextSafety.line(first.callerID), durationMs: 0, format: "call record",
            isUrgent: urgent, kind: .missedCall, mailbox: nil, mailboxContext: nil, transcript: nil, transcriptEngine: nil, transcriptStatus: .skipped,
            transcriptConfidence: nil, transcriptIsDraft: false, transcriptFailure: nil, attempts: 0, lastError: nil,
            nextAttemptAt: end.addingTimeInterval(config.voicemailWait.seconds),
            messageID: VoicemailRecord.messageID(token: identity.token, domain: pipeline.mail.from.domain), notifiedAt: nil,
            dueAt: pipeline.callbacks.deadline(receivedAt: first.start, urgent: urgent, timeZone: pipeline.owner.timezone),
            callbackState: .open, callbackClosedAt: nil, callbackClosedBy: nil, createdAt: created, updatedAt: created)
        record.callerName = record.caller(owner: pipeline.owner).name
        record.ringSeconds = wait
        record.missedEnding = ending
        record.callID = first.callID
        return record
    }
}
