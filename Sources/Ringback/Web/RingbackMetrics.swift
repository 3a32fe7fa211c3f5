public import Foundation
public import Prometheus

/// What `/metrics` reports, in Prometheus' text format (swift-prometheus).
///
/// Transcription attempts and their latency are counted as they happen; voicemails by state, the outbox and the
/// callbacks are read from the ledger at each scrape, so they are right even after a restart.
public final class RingbackMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    public init() {}

    static let latencyBuckets: [Duration] = [
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        .seconds(120),
    ]

    /// `ringback_NAME_UNIT`, with its help text.
    static func metric(_ name: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "ringback", metricName: name, unitName: unit, helpText: help)
    }

    /// One request to an engine.
    public func recordAttempt(engine: String, duration: Duration, failed: Bool) {
        registry.makeCounter(
            descriptor: Self.metric("transcription_attempts", unit: "total", help: "Requests to transcription engines, by engine and result."),
            labels: [("engine", engine), ("result", failed ? "error" : "ok")]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.metric("transcription", unit: "seconds", help: "How long each request to a transcription engine took."),
            labels: [("engine", engine)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// The text for one scrape: the ledger's figures as of now, then the counters.
    public func scrape(ledger: any Ledger, now: Date) async -> String {
        if let counts = try? await ledger.counts() {
            for (state, count) in counts {
                registry.makeGauge(
                    descriptor: Self.metric("voicemails", help: "Voicemails in the ledger, by pipeline state."), labels: [("state", state.rawValue)]
                )
                .set(Double(count))
            }
        }
        if let unsent = try? await ledger.outbox(.unsent) {
            let failed = unsent.filter { $0.state == .failed }.count
            let outbox = Self.metric("outbox_messages", help: "Mail not delivered yet (queued) or refused for good (failed).")
            registry.makeGauge(descriptor: outbox, labels: [("state", "queued")]).set(Double(unsent.count - failed))
            registry.makeGauge(descriptor: outbox, labels: [("state", "failed")]).set(Double(failed))
        }
        if let (texts, webhooks) = try? await ledger.textAndWebhookCounts() {
            let text = Self.metric("caller_texts", help: "Texts to callers and owners by state (ambiguous: may or may not have arrived).")
            for (state, count) in texts { registry.makeGauge(descriptor: text, labels: [("state", state.rawValue)]).set(Double(count)) }
            let hook = Self.metric("webhook_deliveries", help: "Webhook events by delivery state (queued: not taken yet; failed: gave up).")
            for (state, count) in webhooks { registry.makeGauge(descriptor: hook, labels: [("state", state.rawValue)]).set(Double(count)) }
        }
        if let open = try? await ledger.callbacks(.open, now: now) {
            registry.makeGauge(descriptor: Self.metric("callbacks_open", help: "Callbacks not yet made (snoozed included).")).set(Double(open.count))
            let overdue = open.filter { $0.callbackState(at: now) == .open && $0.dueAt < now }.count
            registry.makeGauge(descriptor: Self.metric("callbacks_overdue", help: "Open callbacks past their deadline.")).set(Double(overdue))
        }
        return registry.emitToString()
    }
}
