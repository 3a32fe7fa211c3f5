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
    /// How often voicemails left pending (endpoint or SMTP down) are looked at again.
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
                await process(state.takeReady())
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
                    nextRetry = pipeline.now().addingTimeInterval(retryInterval.seconds)
                }
            }
        } onGracefulShutdown: {
            events?.wake()
        }
        logger.info("watcher stopped")
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
    private func process(_ sources: [VoicemailSource]) async {
        guard !sources.isEmpty else { return }
        await withTaskGroup(of: ProcessOutcome.self) { group in
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
                    logger.info("processed", metadata: ["file": "\(result.path)", "status": "\(result.status.rawValue)", "detail": "\(result.detail)"])
                }
            }
        }
    }
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
