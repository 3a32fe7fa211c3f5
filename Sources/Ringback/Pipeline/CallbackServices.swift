public import Logging
import RingbackCore
public import ServiceLifecycle

/// `ringback watch`'s clocks, each a service of its own beside the intake watcher and the web listener: reminders
/// and escalations (and cards owed without a file, texts to callers, webhook events), the morning digest, and the call records
/// that open and close callbacks.
public enum CallbackServices {
    /// Every service `config` asks for, looking at the ledger every `interval` (the call records every
    /// `callbacks.cdr.poll`).
    public static func make(pipeline: VoicemailPipeline, logger: Logger, interval: Duration = .seconds(30)) -> [any Service] {
        let services = split(pipeline: pipeline, logger: logger, interval: interval)
        return services.cluster + services.site
    }

    /// The same services by the lease they run under: once per cluster (reminders and the rest, the digest), or
    /// once per site (its PBX's call records).
    public static func split(pipeline: VoicemailPipeline, logger: Logger, interval: Duration = .seconds(30)) -> (
        cluster: [any Service], site: [any Service]
    ) {
        let cluster: [any Service] = [
            Ticker(name: "reminders", interval: interval) {
                await pipeline.sendOwedCards()
                await pipeline.sendCallerTexts()
                _ = await pipeline.sendDueReminders()
                await pipeline.sendWebhooks()
            },
            Ticker(name: "digest", interval: interval) { await pipeline.sendDigestIfDue() },
        ]
        var site: [any Service] = []
        if let records = makeCallRecordSync(pipeline: pipeline, logger: logger) {
            site.append(
                Ticker(name: "call records", interval: records.config.poll.duration) {
                    do throws(LedgerError) {
                        try await records.sync()
                    } catch {
                        logger.error("cannot apply the call records", metadata: ["error": "\(error)"])
                    }
                    await pipeline.sendOwedCards()
                })
        }
        return (cluster, site)
    }

    /// `callbacks.cdr`, when configured and its format is readable.
    private static func makeCallRecordSync(pipeline: VoicemailPipeline, logger: Logger) -> CallRecordSync? {
        guard let cdr = pipeline.config.callbacks.cdr else { return nil }
        do throws(CallRecordFormatError) {
            let records = try CallRecordSync(config: cdr, pipeline: pipeline.config, ledger: pipeline.ledger, logger: logger, now: pipeline.now)
            logger.info("following call records", metadata: ["file": "\(cdr.path)", "format": "\(cdr.format.rawValue)"])
            return records
        } catch {
            logger.error("cannot read call records", metadata: ["file": "\(cdr.path)", "missing column": "\(error.missing)"])
            return nil
        }
    }
}

/// Runs `tick` at once and then every `interval` until graceful shutdown (or cancellation, when its lease is lost);
/// a tick in flight finishes.
struct Ticker: Service {
    let name: String
    let interval: Duration
    let tick: @Sendable () async -> Void

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await tick()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
