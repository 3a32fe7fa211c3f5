import Foundation
public import Logging
import RingbackInotify
public import ServiceLifecycle

/// `ringback watch`: catches up on what is already in the drop folders, then processes every voicemail as the
/// PBX finishes it, until SIGTERM. Reminders, the digest and the call records are services of their own
/// (`CallbackServices`).
///
/// Folders are watched with inotify (recursively; new subfolders too) unless `intake[].poll` asks for polling, or
/// inotify cannot watch them. When idle it sleeps in `poll(2)`: no timers fire except the retry check for
/// voicemails left pending. A queue overflow triggers a full rescan, never a loss.
public struct IntakeWatcher: Service {
    let pipeline: VoicemailPipeline
    let logger: Logger
    /// Voicemails processed at once (transcription dominates; the cards themselves are quick).
    let concurrency: Int
    /// How often voicemails left pending are looked at, at the latest (endpoint or SMTP down; each is also looked at
    /// when its own retry time comes).
    let retryInterval: Duration

    public init(pipeline: VoicemailPipeline, logger: Logger, concurrency: Int = 4, retryInterval: Duration = .seconds(30)) {
        self.pipeline = pipeline
        self.logger = logger
        self.concurrency = concurrency
        self.retryInterval = retryInterval
    }

    public func run() async throws {
        let state = WatchState(pipeline: pipeline, logger: logger)
        let events = state.startWatching()
        await state.sweepAll()
        try await withGracefulShutdownHandler {
            var nextRetry = pipeline.now().addingTimeInterval(retryInterval.seconds)
            var mailDown = false
            while !Task.isShuttingDownGracefully {
                var batch = state.takeReady()
                // Out of file descriptors: starting a voicemail would fail halfway, so it waits and is looked at again.
                if !batch.isEmpty, !state.descriptorsAllow(min(batch.count, concurrency)) {
                    for source in batch { state.lookAgain(at: source.audio.path, after: 1, atMost: 10) }
                    batch = []
                }
                let outcomes = await pipeline.process(batch, concurrency: concurrency) { result in
                    logger.info("processed", metadata: ["file": "\(result.path)", "status": "\(result.status.rawValue)", "detail": "\(result.detail)"])
                }
                if let gone = outcomes.first(where: { $0.errorCode == .ledger(.replaced) }) {
                    // Writing on would lose every record from now on, and a restart would send every card again.
                    logger.critical("the ledger was deleted or replaced: stopping", metadata: ["detail": "\(gone.detail)"])
                    throw LedgerError(code: .replaced, path: pipeline.ledger.path, message: gone.detail)
                }
                if outcomes.contains(where: { $0.errorCode == .mail(.transport) }) { mailDown = true }
                for outcome in outcomes {
                    if case .ledger = outcome.errorCode {
                        // The ledger could not record it (a full disk, say), so it cannot hold the retry time either.
                        state.lookAgain(at: outcome.path, after: pipeline.config.retryAfter.seconds)
                    } else if outcome.status == .waiting {
                        // Another process holds it (or the PBX is still writing): looked at again soon.
                        state.lookAgain(at: outcome.path, after: 2)
                    } else {
                        state.wentThrough(outcome.path)
                    }
                }
                if !batch.isEmpty { nextRetry = min(nextRetry, await nextOwedAttempt()) }
                // The caller's own text went just before the card; the owner's urgent alert goes now too, not at the next
                // 30-second tick.
                if pipeline.config.callerTexts != nil, outcomes.contains(where: { $0.status == .notified }) { await pipeline.sendCallerTexts() }
                // Receivers hear of each voicemail as it is handled, not at the next 30-second tick.
                if !pipeline.config.webhooks.isEmpty, !outcomes.isEmpty { await pipeline.sendWebhooks() }
                let now = pipeline.now()
                // While the mail server is down, it is asked every few seconds whether it is back.
                let wake = min(state.nextDeadline ?? .distantFuture, nextRetry, mailDown ? now.addingTimeInterval(3) : .distantFuture)
                let wait = Duration.milliseconds(Int64(max(0, wake.timeIntervalSince(now)) * 1000))
                if let events {
                    for event in await events.next(timeout: wait) { await state.handle(event) }
                } else {
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
                }
                await state.recheckDue()
                if mailDown, await pipeline.transport.isAnswering() {
                    mailDown = false
                    let due = (try? await pipeline.ledger.retryHeldCards(at: pipeline.now())) ?? 0
                    logger.notice("the mail server answers again: sending what it held up", metadata: ["cards": "\(due)"])
                    await state.queuePendingRetries()
                }
                if pipeline.now() >= nextRetry {
                    await state.queuePendingRetries()
                    nextRetry = min(pipeline.now().addingTimeInterval(retryInterval.seconds), await nextOwedAttempt())
                }
            }
        } onGracefulShutdown: {
            events?.wake()
        }
        logger.info("watcher stopped")
    }

    /// The moment the first voicemail held up (or owed its transcript) is due again, so a short `retry_after` is kept
    /// rather than rounded up to the next tick.
    private func nextOwedAttempt() async -> Date {
        (try? await pipeline.ledger.nextAttempt(after: pipeline.now())) ?? .distantFuture
    }
}
