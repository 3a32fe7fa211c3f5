public import Foundation
public import Prometheus

/// What `/metrics` reports, in Prometheus' text format (swift-prometheus).
///
/// Transcription attempts and their latency are counted as they happen; voicemails by state, the outbox and the
/// callbacks are read from the ledger at each scrape, so they are right even after a restart.
public final class RingbackMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    public init() {}

    static let latencyBuckets: [Duration] = [.milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120)]

    /// One request to an engine.
    public func recordAttempt(engine: String, duration: Duration, failed: Bool) {
        registry.makeCounter(
            name: "ringback_transcription_attempts_total", labels: [("engine", engine), ("result", failed ? "error" : "ok")],
            help: "Requests to transcription engines, by engine and result."
        ).increment()
        registry.makeDurationHistogram(
            name: "ringback_transcription_seconds", labels: [("engine", engine)], buckets: Self.latencyBuckets,
            help: "How long each request to a transcription engine took."
        ).record(duration)
    }

    /// The text for one scrape: the ledger's figures as of now, then the counters.
    public func scrape(ledger: Ledger, now: Date) async -> String {
        if let counts = try? await ledger.counts() {
            for (state, count) in counts {
                registry.makeGauge(name: "ringback_voicemails", labels: [("state", state.rawValue)], help: "Voicemails in the ledger, by pipeline state.")
                    .set(Double(count))
            }
        }
        if let unsent = try? await ledger.outbox(.unsent) {
            let failed = unsent.filter { $0.state == .failed }.count
            registry.makeGauge(name: "ringback_outbox_messages", labels: [("state", "queued")], help: "Mail not delivered yet (queued) or refused for good (failed).")
                .set(Double(unsent.count - failed))
            registry.makeGauge(name: "ringback_outbox_messages", labels: [("state", "failed")], help: "Mail not delivered yet (queued) or refused for good (failed).")
                .set(Double(failed))
        }
        if let open = try? await ledger.callbacks(.open, now: now) {
            registry.makeGauge(name: "ringback_callbacks_open", help: "Callbacks not yet made (snoozed included).").set(Double(open.count))
            let overdue = open.filter { $0.callbackState(at: now) == .open && $0.dueAt < now }.count
            registry.makeGauge(name: "ringback_callbacks_overdue", help: "Open callbacks past their deadline.").set(Double(overdue))
        }
        return registry.emitToString()
    }
}
