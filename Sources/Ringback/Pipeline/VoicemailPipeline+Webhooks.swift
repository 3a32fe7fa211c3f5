import Foundation

extension VoicemailPipeline {
    /// What one look at the webhooks did: events newly recorded, deliveries tried and taken.
    public struct WebhookRound: Sendable, Equatable {
        public var recorded = 0
        public var tried = 0
        public var delivered = 0

        public init(recorded: Int = 0, tried: Int = 0, delivered: Int = 0) {
            self.recorded = recorded
            self.tried = tried
            self.delivered = delivered
        }
    }

    /// Records the events the ledger shows that no endpoint has yet, then delivers what is due, oldest first. An
    /// endpoint that fails is left for this round after one try (an outage costs one request a look, not one per
    /// event); each delivery is tried again on Standard Webhooks' schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
    /// 10 h), then `failed`. `watch` calls this every 30 s and right after cards.
    @discardableResult
    public func sendWebhooks() async -> WebhookRound {
        var round = WebhookRound()
        guard !config.webhooks.isEmpty else { return round }
        let now = now()
        do throws(LedgerError) {
            var windows: [String: Date] = [:]
            for endpoint in config.webhooks {
                // An endpoint hears what happens from when a Ringback process first ran with it configured (this one's
                // start, if none did before); a look covers two days at most.
                let since = try await ledger.webhookEndpointSince(endpoint.name, now: min(now, startedAt))
                windows[endpoint.name] = max(since, now.addingTimeInterval(-2 * 86400))
            }
            let earliest = windows.values.min() ?? now
            let facts = try await ledger.webhookFacts(since: earliest)
            let dueSoon = config.callbacks.remindBefore?.seconds ?? 30 * 60
            let events = WebhookEvent.events(from: facts, now: now, dueSoon: dueSoon, minConfidence: config.transcription.minConfidence)
            for endpoint in config.webhooks {
                let window = windows[endpoint.name] ?? now
                let known = try await ledger.webhookKeys(endpoint: endpoint.name, since: earliest)
                let new = events.filter { endpoint.events.contains($0.type) && $0.occurredAt >= window && !known.contains($0.key) }
                round.recorded += try await ledger.recordWebhookEvents(
                    new.map {
                        WebhookDeliveryRecord(
                            endpoint: endpoint.name, eventID: StandardWebhook.messageID(for: $0.key), type: $0.type.rawValue, key: $0.key,
                            voicemailID: $0.voicemailID, payload: $0.payload, occurredAt: $0.occurredAt, at: now)
                    })
            }
            for endpoint in config.webhooks {
                let sender = WebhookSender(endpoint: endpoint)
                for var delivery in try await ledger.webhooksDue(endpoint: endpoint.name, at: now, limit: 100) {
                    let hold = now.addingTimeInterval(endpoint.timeout.seconds + 30)
                    guard try await ledger.beginWebhookAttempt(delivery, now: now, holdUntil: hold) else { continue }
                    round.tried += 1
                    let result = await sender.deliver(delivery, now: self.now())
                    delivery.attempts += 1
                    delivery.updatedAt = self.now()
                    switch result {
                    case .delivered(let status):
                        delivery.state = .sent
                        delivery.sentAt = delivery.updatedAt
                        delivery.responseCode = status
                        delivery.lastError = nil
                        delivery.nextAttemptAt = nil
                        round.delivered += 1
                        try await ledger.updateWebhookDelivery(delivery)
                    case .failed(let why, let status):
                        delivery.lastError = why
                        delivery.responseCode = status
                        if let delay = Self.webhookRetryDelays.dropFirst(delivery.attempts - 1).first {
                            delivery.nextAttemptAt = delivery.updatedAt.addingTimeInterval(delay)
                        } else {
                            delivery.state = .failed
                            delivery.nextAttemptAt = nil
                        }
                        logger.warning(
                            "a webhook was not delivered",
                            metadata: ["event": "\(delivery.eventID)", "type": "\(delivery.type)", "tries": "\(delivery.attempts)", "error": "\(why)"])
                        try await ledger.updateWebhookDelivery(delivery)
                    }
                    if case .failed = result { break }
                }
            }
        } catch {
            logger.error("ledger failure while sending webhooks", metadata: ["error": "\(error)"])
        }
        return round
    }

    /// After the first try fails: Standard Webhooks' suggested schedule, about a day and a half in all.
    static let webhookRetryDelays: [TimeInterval] = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600]
}
