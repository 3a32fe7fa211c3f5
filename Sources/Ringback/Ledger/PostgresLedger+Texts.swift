public import Foundation

/// Texts to callers and webhook deliveries on PostgreSQL: `SQLiteLedger+Texts` and `+Webhooks`'s intents. A text or a
/// delivery is taken by a conditional `UPDATE` (still waiting, still due), so of two nodes looking at once exactly one
/// sends it.
extension PostgresLedger {
    public func reserveText(_ text: CallerTextRecord) async throws(LedgerError) -> (record: CallerTextRecord, reserved: Bool) {
        try await run { db in
            if let inserted = try await db.insert(text, onConflict: "ON CONFLICT (voicemailID, kind) DO NOTHING") { return (inserted, true) }
            guard
                let existing = try await db.fetchOne(
                    CallerTextRecord.self, "SELECT * FROM callerText WHERE voicemailID = ? AND kind = ?", [text.voicemailID, text.kind])
            else { throw LedgerError(code: .query, path: path, message: "the \(text.kind) text of #\(text.voicemailID) was neither reserved nor found") }
            return (existing, false)
        }
    }

    public func beginSending(_ text: CallerTextRecord) async throws(LedgerError) -> Bool {
        try await run { db in
            try await db.rows(
                """
                UPDATE callerText SET state = 'sending', attempts = attempts + 1, body = ?, provider = ?, updatedAt = ?
                WHERE id = ? AND state = 'waiting' RETURNING id
                """, [text.body, text.provider, text.updatedAt, text.id]
            ).count == 1
        }
    }

    public func updateText(_ text: CallerTextRecord) async throws(LedgerError) {
        try await run { db in try await db.update(text, id: text.id) }
    }

    public func texts(limit: Int) async throws(LedgerError) -> [CallerTextRecord] {
        try await run { db in try await db.fetch(CallerTextRecord.self, "SELECT * FROM callerText ORDER BY id DESC LIMIT ?", [limit]) }
    }

    public func texts(voicemailID: Int64) async throws(LedgerError) -> [CallerTextRecord] {
        try await run { db in try await db.fetch(CallerTextRecord.self, "SELECT * FROM callerText WHERE voicemailID = ? ORDER BY id", [voicemailID]) }
    }

    public func textsDue(at now: Date) async throws(LedgerError) -> [CallerTextRecord] {
        try await run { db in
            try await db.fetch(CallerTextRecord.self, "SELECT * FROM callerText WHERE state = 'waiting' AND nextAttemptAt <= ? ORDER BY id", [now])
        }
    }

    public func textsInFlight(before: Date) async throws(LedgerError) -> [CallerTextRecord] {
        try await run { db in
            try await db.fetch(CallerTextRecord.self, "SELECT * FROM callerText WHERE state = 'sending' AND updatedAt < ? ORDER BY id", [before])
        }
    }

    public func lastText(to number: String, excluding voicemailID: Int64) async throws(LedgerError) -> Date? {
        try await run { db in
            try await db.date(
                "SELECT MAX(updatedAt) FROM callerText WHERE number = ? AND voicemailID != ? AND state IN ('sent', 'sending', 'ambiguous', 'dry_run')",
                [number, voicemailID])
        }
    }

    public func untextedCallbacks(receivedSince: Date, kind: String, urgentOnly: Bool) async throws(LedgerError) -> [VoicemailRecord] {
        try await run { db in
            try await db.fetch(
                VoicemailRecord.self,
                """
                SELECT * FROM voicemail
                WHERE receivedAt >= ? AND foldedInto IS NULL AND spamReason IS NULL AND callbackState = 'open'
                  AND state IN ('notified', 'withheld') AND (NOT ? OR isUrgent) AND (? OR callerNumber LIKE '+%')
                  AND NOT EXISTS (SELECT 1 FROM callerText WHERE callerText.voicemailID = voicemail.id AND callerText.kind = ?)
                ORDER BY id
                """, [receivedSince, urgentOnly, urgentOnly, kind])
        }
    }

    public func runningLate(dueAfter now: Date, dueBy: Date) async throws(LedgerError) -> [VoicemailRecord] {
        try await run { db in
            try await db.fetch(
                VoicemailRecord.self,
                """
                SELECT * FROM voicemail
                WHERE dueAt > ? AND dueAt <= ? AND foldedInto IS NULL AND spamReason IS NULL AND callbackState = 'open'
                  AND EXISTS (SELECT 1 FROM callerText WHERE callerText.voicemailID = voicemail.id AND kind = 'first' AND state = 'sent')
                  AND NOT EXISTS (SELECT 1 FROM callerText WHERE callerText.voicemailID = voicemail.id AND kind = 'late')
                ORDER BY dueAt
                """, [now, dueBy])
        }
    }

    public func optOut(_ number: String, source: String, at now: Date) async throws(LedgerError) {
        try await run { db in
            try await db.execute("INSERT INTO optOut (number, at, source) VALUES (?, ?, ?) ON CONFLICT (number) DO NOTHING", [number, now, source])
        }
    }

    public func optIn(_ number: String) async throws(LedgerError) -> Bool {
        try await run { db in try await !db.rows("DELETE FROM optOut WHERE number = ? RETURNING number", [number]).isEmpty }
    }

    public func isOptedOut(_ number: String) async throws(LedgerError) -> Bool {
        try await run { db in try await db.count("SELECT COUNT(*) FROM optOut WHERE number = ?", [number]) > 0 }
    }

    // MARK: Webhooks

    public func webhookEndpointSince(_ endpoint: String, now: Date) async throws(LedgerError) -> Date {
        try await run { db in
            try await db.execute("INSERT INTO webhookEndpoint (url, since) VALUES (?, ?) ON CONFLICT (url) DO NOTHING", [endpoint, now])
            return try await db.date("SELECT since FROM webhookEndpoint WHERE url = ?", [endpoint]) ?? now
        }
    }

    public func recordWebhookEvents(_ deliveries: [WebhookDeliveryRecord]) async throws(LedgerError) -> Int {
        guard !deliveries.isEmpty else { return 0 }
        return try await transaction { db in
            var inserted = 0
            for delivery in deliveries where try await db.insert(delivery, onConflict: "ON CONFLICT (endpoint, key) DO NOTHING") != nil {
                inserted += 1
            }
            return inserted
        }
    }

    public func webhookKeys(endpoint: String, since: Date) async throws(LedgerError) -> Set<String> {
        try await run { db in
            Set(try await db.rows("SELECT key FROM webhookDelivery WHERE endpoint = ? AND occurredAt >= ?", [endpoint, since]).map { $0["key"] })
        }
    }

    public func webhooksDue(endpoint: String, at now: Date, limit: Int) async throws(LedgerError) -> [WebhookDeliveryRecord] {
        try await run { db in
            try await db.fetch(
                WebhookDeliveryRecord.self,
                """
                SELECT * FROM webhookDelivery WHERE endpoint = ? AND state = 'queued' AND (nextAttemptAt IS NULL OR nextAttemptAt <= ?)
                ORDER BY id LIMIT ?
                """, [endpoint, now, limit])
        }
    }

    public func beginWebhookAttempt(_ delivery: WebhookDeliveryRecord, now: Date, holdUntil: Date) async throws(LedgerError) -> Bool {
        try await run { db in
            try await db.rows(
                """
                UPDATE webhookDelivery SET nextAttemptAt = ?, updatedAt = ?
                WHERE id = ? AND state = 'queued' AND (nextAttemptAt IS NULL OR nextAttemptAt <= ?) RETURNING id
                """, [holdUntil, now, delivery.id, now]
            ).count == 1
        }
    }

    public func updateWebhookDelivery(_ delivery: WebhookDeliveryRecord) async throws(LedgerError) {
        try await run { db in try await db.update(delivery, id: delivery.id) }
    }

    public func webhookDeliveries(_ filter: OutboxFilter, limit: Int) async throws(LedgerError) -> [WebhookDeliveryRecord] {
        let condition =
            switch filter {
            case .unsent: "WHERE state != 'sent'"
            case .failed: "WHERE state = 'failed'"
            case .all: ""
            }
        return try await run { db in
            try await db.fetch(WebhookDeliveryRecord.self, "SELECT * FROM webhookDelivery \(condition) ORDER BY id DESC LIMIT ?", [limit])
        }
    }

    public func retryWebhook(id: Int64, at now: Date) async throws(LedgerError) -> WebhookDeliveryRecord {
        let path = self.path
        return try await transaction { db in
            guard let delivery = try await db.fetchOne(WebhookDeliveryRecord.self, "SELECT * FROM webhookDelivery WHERE id = ? FOR UPDATE", [id]) else {
                throw LedgerError(code: .notFound, path: path, message: "no webhook delivery with id \(id)")
            }
            guard delivery.state == .failed else {
                throw LedgerError(code: .conflict, path: path, message: "webhook delivery \(id) is \(delivery.state.rawValue), not failed: nothing to retry")
            }
            let queued = delivery.requeued(at: now)
            try await db.update(queued, id: queued.id)
            return queued
        }
    }

    public func webhookFacts(since: Date) async throws(LedgerError) -> WebhookFacts {
        try await transaction { db in
            try await db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            let voicemails = try await db.fetch(VoicemailRecord.self, "SELECT * FROM voicemail WHERE updatedAt >= ? ORDER BY id", [since])
            let events = try await db.fetch(CallbackEventRecord.self, "SELECT * FROM callbackEvent WHERE at >= ? ORDER BY id", [since])
            let texts = try await db.fetch(CallerTextRecord.self, "SELECT * FROM callerText WHERE sentAt >= ? AND state = 'sent' ORDER BY id", [since])
            let open = try await db.fetch(
                VoicemailRecord.self,
                "SELECT * FROM voicemail WHERE foldedInto IS NULL AND callbackState IN ('open', 'snoozed') AND dueAt >= ? ORDER BY id", [since])
            var ids = Set(events.map(\.voicemailID)).union(texts.map(\.voicemailID))
            ids.subtract(voicemails.compactMap(\.id))
            ids.subtract(open.compactMap(\.id))
            let others =
                ids.isEmpty
                ? []
                : try await db.fetch(VoicemailRecord.self, "SELECT * FROM voicemail WHERE id IN (\(ids.map(String.init).joined(separator: ", ")))")
            var records: [Int64: VoicemailRecord] = [:]
            for record in voicemails + open + others { if let id = record.id { records[id] = record } }
            return WebhookFacts(changed: voicemails, open: open, events: events, texts: texts, records: records)
        }
    }
}
