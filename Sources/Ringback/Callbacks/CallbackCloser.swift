import Foundation
public import Logging
public import RingbackCore

/// Closes callbacks from the PBX's call records: an answered outbound call to the caller's number, long enough to be
/// a conversation, marks the callback done; a shorter or unanswered one records a try.
///
/// An actor: it keeps its place in the file between looks (`watch` looks every `callbacks.cdr.poll`, `ringback
/// callbacks sync` once).
public actor CallbackCloser {
    let config: CDRConfig
    let owner: OwnerConfig
    let ledger: any Ledger
    let logger: Logger
    private let format: CallRecordFormat
    private var follower: CallRecordFollower?

    public init(config: CDRConfig, owner: OwnerConfig, ledger: any Ledger, logger: Logger) throws(CallRecordFormatError) {
        self.config = config
        self.owner = owner
        self.ledger = ledger
        self.logger = logger
        format = try config.recordFormat(ownerTimeZone: owner.timezone)
    }

    /// Reads what was appended since the last look and applies it; returns what changed.
    @discardableResult
    public func sync() async throws(LedgerError) -> [CallOutcome] {
        if follower == nil {
            let saved = try await ledger.cdrCursor(path: config.path)
            follower = CallRecordFollower(path: config.path, resumeAt: saved.map { .init(inode: $0.inode, offset: $0.offset) })
        }
        guard let follower else { return [] }
        var changes: [CallOutcome] = []
        repeat {
            for line in follower.readNewLines() {
                guard let call = format.record(line) else { continue }
                // A call from the year 9999 would close every open callback to its number; from 1970, none.
                guard WallClock.plausible(call.start, now: Date()) else {
                    logger.warning(
                        "skipped a call record whose time is impossible",
                        metadata: ["start": "\(call.start.timeIntervalSince1970) s since 1970", "file": "\(config.path)"])
                    continue
                }
                let number = PhoneNumber(parsing: call.destination, country: owner.country, dialPrefixes: owner.dialPrefixes)
                guard let e164 = number.e164 else { continue }  // an internal or inbound call
                let talked = call.answered && call.talkSeconds >= config.minTalkSeconds
                let note = call.answered ? "answered, talked \(call.talkSeconds) s" : "not answered"
                let outcomes = try await ledger.applyCall(to: e164, at: call.start, talked: talked, note: note)
                for outcome in outcomes {
                    logger.info(
                        "callback \(outcome.action == .done ? "closed" : "tried") from the call records",
                        metadata: [
                            "voicemail": "\(outcome.voicemailID)", "number": "\(e164)", "call": "\(note)",
                        ])
                }
                changes += outcomes
            }
            if let cursor = follower.cursor { try await ledger.saveCDRCursor(path: config.path, inode: cursor.inode, offset: cursor.offset) }
        } while !follower.caughtUp
        return changes
    }
}
