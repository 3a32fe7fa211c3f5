import Foundation
public import Logging
import RingbackInotify
public import ServiceLifecycle

/// `ringback watch`: catches up on what is already in the drop folders, then processes every voicemail as the
/// PBX finishes it, until SIGTERM.
///
/// Folders are watched with inotify (recursively; new subfolders too) unless `intake[].poll` asks for polling, or
/// inotify cannot watch them. When idle it sleeps in `poll(2)`: no timers fire except the retry check for
/// voicemails left pending. A queue overflow triggers a full rescan, never a loss.
public struct IntakeWatcher: Service {
    let pipeline: VoicemailPipeline
    let logger: Logger
    /// Voicemails processed at once (transcription dominates; the cards themselves are quick).
    let concurrency: Int
    /// How often reminders and the digest are looked at, and voicemails left pending at the latest (endpoint or SMTP
    /// down; each is also looked at when its own retry time comes).
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
        let closer = makeCallbackCloser()
        await withGracefulShutdownHandler {
            var nextRetry = pipeline.now().addingTimeInterval(retryInterval.seconds)
            var nextCallRecords = pipeline.now()
            while !Task.isShuttingDownGracefully {
                let batch = state.takeReady()
                for outcome in await process(batch) {
                    if outcome.errorCode?.hasPrefix("ledger.") == true {
                        // The ledger could not record it (a full disk, say), so it cannot hold the retry time either.
                        state.lookAgain(at: outcome.path, after: pipeline.config.retryAfter.seconds)
                    } else {
                        state.wentThrough(outcome.path)
                    }
                }
                if !batch.isEmpty { nextRetry = min(nextRetry, await nextOwedAttempt()) }
                if let closer, pipeline.now() >= nextCallRecords {
                    do throws(LedgerError) {
                        try await closer.sync()
                    } catch {
                        logger.error("cannot apply the call records", metadata: ["error": "\(error)"])
                    }
                    nextCallRecords = pipeline.now().addingTimeInterval(closer.config.poll.seconds)
                }
                let now = pipeline.now()
                let wake = min(state.nextDeadline ?? .distantFuture, nextRetry, closer == nil ? .distantFuture : nextCallRecords)
                let wait = Duration.milliseconds(Int64(max(0, wake.timeIntervalSince(now)) * 1000))
                if let events {
                    for event in await events.next(timeout: wait) { await state.handle(event) }
                } else {
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
                }
                await state.recheckDue()
                if pipeline.now() >= nextRetry {
                    await state.queuePendingRetries()
                    _ = await pipeline.sendDueReminders()
                    await pipeline.sendDigestIfDue()
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

    /// `callbacks.cdr`, when configured: followed in this loop so callbacks close when the owner calls back.
    private func makeCallbackCloser() -> CallbackCloser? {
        guard let cdr = pipeline.config.callbacks.cdr else { return nil }
        do throws(CallRecordFormatError) {
            let closer = try CallbackCloser(config: cdr, owner: pipeline.config.owner, ledger: pipeline.ledger, logger: logger)
            logger.info("following call records", metadata: ["file": "\(cdr.path)", "format": "\(cdr.format.rawValue)"])
            return closer
        } catch {
            logger.error("cannot read call records", metadata: ["file": "\(cdr.path)", "missing column": "\(error.missing)"])
            return nil
        }
    }

    /// Runs a batch with bounded concurrency; work in flight finishes even when shutdown is requested.
    private func process(_ sources: [VoicemailSource]) async -> [ProcessOutcome] {
        guard !sources.isEmpty else { return [] }
        return await withTaskGroup(of: ProcessOutcome.self) { group in
            var outcomes: [ProcessOutcome] = []
            var next = 0
            var running = 0
            while next < sources.count || running > 0 {
                while next < sources.count, running < concurrency {
                    let source = sources[next]
                    group.addTask { await pipeline.process(source) }
                    next += 1
                    running += 1
                }
                if let result = await group.next() {
                    running -= 1
                    outcomes.append(result)
                    logger.info("processed", metadata: ["file": "\(result.path)", "status": "\(result.status.rawValue)", "detail": "\(result.detail)"])
                }
            }
            return outcomes
        }
    }
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
