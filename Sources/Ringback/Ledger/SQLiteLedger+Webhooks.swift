public import Foundation
import GRDB

extension SQLiteLedger {
    public func webhookEndpointSince(_ endpoint: String, now: Date) async throws(LedgerError) -> Date {
        try await write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO webhookEndpoint (url, since) VALUES (?, ?)", arguments: [endpoint, now])
            return try Date.fetchOne(db, sql: "SELECT since FROM webhookEndpoint WHERE url = ?", arguments: [endpoint]) ?? now
        }
    }

    public func recordWebhookEvents(_ deliveries: [WebhookDeliveryRecord]) async throws(LedgerError) -> Int {
        guard !deliveries.isEmpty else { return 0 }
        return try await write { db in
            var inserted = 0
            for delivery in deliveries {
                guard try WebhookDeliveryRecord.filter(Column("endpoint") == delivery.endpoint && Column("key") == delivery.key).fetchCount(db) == 0
                else { continue }
                var row = delivery
                try row.insert(db)
                inserted += 1
            }
            return inserted
        }
    }

    public func webhookKeys(endpoint: String, since: Date) async throws(LedgerError) -> Set<String> {
        try await read { db in
            Set(try String.fetchAll(db, sql: "SELECT key FROM webhookDelivery WHERE endpoint = ? AND occurredAt >= ?", arguments: [endpoint, since]))
        }
    }

    public func webhooksDue(endpoint: String, at now: Date, limit: Int) async throws(LedgerError) -> [WebhookDeliveryRecord] {
        try await read { db in
            try WebhookDeliveryRecord.filter(Column("endpoint") == endpoint && Column("state") == WebhookDeliveryRecord.State.queued.rawValue)
                .filter(Column("nextAttemptAt") == nil || Column("nextAttemptAt") <= now)
                .order(Column("id")).limit(limit).fetchAll(db)
        }
    }

    public func beginWebhookAttempt(_ delivery: WebhookDeliveryRecord, now: Date, holdUntil: Date) async throws(LedgerError) -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE webhookDelivery SET nextAttemptAt = ?, updatedAt = ?
                    WHERE id = ? AND state = 'queued' AND (nextAttemptAt IS NULL OR nextAttemptAt <= ?)
                    """, arguments: [holdUntil, now, delivery.id, now])
            return db.changesCount == 1
        }
    }

    public func updateWebhookDelivery(_ delivery: WebhookDeliveryRecord) async throws(LedgerError) {
        try await write { db in try delivery.update(db) }
    }

    public func webhookDeliveries(_ filter: OutboxFilter, limit: Int) async throws(LedgerError) -> [WebhookDeliveryRecord] {
        try await read { db in
            var request = WebhookDeliveryRecord.all()
            switch filter {
            case .unsent: request = request.filter(Column("state") != WebhookDeliveryRecord.State.sent.rawValue)
            case .failed: request = request.filter(Column("state") == WebhookDeliveryRecord.State.failed.rawValue)
            case .all: break
            }
            return try request.order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    public func retryWebhook(id: Int64, at now: Date) async throws(LedgerError) -> WebhookDeliveryRecord {
        let path = self.path
        return try await write { db in
            guard let delivery = try WebhookDeliveryRecord.fetchOne(db, key: id) else {
                throw LedgerError(code: .notFound, path: path, message: "no webhook delivery with id \(id)")
            }
            guard delivery.state == .failed else {
                throw LedgerError(code: .conflict, path: path, message: "webhook delivery \(id) is \(delivery.state.rawValue), not failed: nothing to retry")
            }
            let queued = delivery.requeued(at: now)
            try queued.update(db)
            return queued
        }
    }

    public func webhookFacts(since: Date) async throws(LedgerError) -> WebhookFacts {
        try await read { db in
            let voicemails = try VoicemailRecord.filter(Column("updatedAt") >= since).order(Column("id")).fetchAll(db)
            let events = try CallbackEventRecord.filter(Column("at") >= since).order(Column("id")).fetchAll(db)
            let texts = try CallerTextRecord.filter(Column("sentAt") >= since && Column("state") == CallerTextRecord.State.sent.rawValue)
                .order(Column("id")).fetchAll(db)
            let unclosed = [VoicemailRecord.CallbackState.open, .snoozed].map(\.rawValue)
            let open = try VoicemailRecord.filter(Column("foldedInto") == nil && unclosed.contains(VoicemailRecord.Columns.callbackState))
                .filter(VoicemailRecord.Columns.dueAt >= since).order(Column("id")).fetchAll(db)
            // Every record an event names, so each payload says where its callback stands now.
            var ids = Set(events.map(\.voicemailID)).union(texts.map(\.voicemailID))
            ids.subtract(voicemails.compactMap(\.id))
            ids.subtract(open.compactMap(\.id))
            let others = try VoicemailRecord.filter(ids.contains(Column("id"))).fetchAll(db)
            var records: [Int64: VoicemailRecord] = [:]
            for record in voicemails + open + others { if let id = record.id { records[id] = record } }
            return WebhookFacts(changed: voicemails, open: open, events: events, texts: texts, records: records)
        }
    }
}
