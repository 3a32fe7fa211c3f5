public import Foundation
import GRDB

extension SQLiteLedger {
    public func digestFacts(since: Date, now: Date) async throws(LedgerError) -> DigestFacts {
        let unclosed = [VoicemailRecord.CallbackState.open, .snoozed].map(\.rawValue)
        let weekAgo = now.addingTimeInterval(-7 * 86400)
        return try await read { db in
            let primaries = VoicemailRecord.filter(Column("foldedInto") == nil)
            let open = try primaries.filter(unclosed.contains(VoicemailRecord.Columns.callbackState))
                .order(VoicemailRecord.Columns.dueAt).fetchAll(db)
            let closedOrSpam = try primaries.filter(Column("callbackClosedAt") > since).order(Column("callbackClosedAt")).fetchAll(db)
            let closed = closedOrSpam.filter { $0.spamReason == nil }
            let spam = closedOrSpam.filter { $0.spamReason != nil }
            var joined: [Int64: [VoicemailRecord]] = [:]
            let openIDs = open.compactMap(\.id)
            for record in try VoicemailRecord.filter(openIDs.contains(Column("foldedInto"))).order(VoicemailRecord.Columns.receivedAt).fetchAll(db) {
                if let primary = record.foldedInto { joined[primary, default: []].append(record) }
            }
            var texts: [Int64: CallerTextRecord] = [:]
            // The newest text to each caller: a running-late update says the time they wait for now.
            let toCallers = [CallerTextRecord.first, CallerTextRecord.late]
            for text in try CallerTextRecord.filter(openIDs.contains(Column("voicemailID")) && toCallers.contains(Column("kind")))
                .order(Column("id")).fetchAll(db) where text.kind == CallerTextRecord.first || text.told
            {
                texts[text.voicemailID] = text
            }
            let due = try primaries.filter(VoicemailRecord.Columns.dueAt >= weekAgo && VoicemailRecord.Columns.dueAt <= now)
                .filter(VoicemailRecord.Columns.callbackState != VoicemailRecord.CallbackState.noCallbackNeeded.rawValue).fetchAll(db)
            let onTime = due.filter { record in
                record.callbackState == .done && (record.callbackClosedAt ?? .distantFuture) <= record.dueAt
            }.count
            let times = try primaries.filter(VoicemailRecord.Columns.callbackState == VoicemailRecord.CallbackState.done.rawValue)
                .filter(Column("callbackClosedAt") >= weekAgo).fetchAll(db)
                .compactMap { record in record.callbackClosedAt.map { $0.timeIntervalSince(record.receivedAt) } }
            let refused = try OutboxRecord.filter(Column("state") == OutboxRecord.State.failed.rawValue).order(Column("id")).fetchAll(db)
            var facts = DigestFacts(
                open: open, closed: closed, dueThisWeek: due.count, onTimeThisWeek: onTime, callbackTimesThisWeek: times,
                refusedMail: refused, spam: spam, joined: joined, dueThisWeekRecords: due)
            facts.texts = texts
            return facts
        }
    }

    public func lastDigest() async throws(LedgerError) -> Date? {
        try await read { db in try Date.fetchOne(db, sql: "SELECT MAX(sentAt) FROM digest") }
    }

    public func digestSent(slot: String) async throws(LedgerError) -> Bool {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM digest WHERE slot = ?", arguments: [slot]) ?? 0 > 0 }
    }

    public func recordDigest(slot: String, at now: Date) async throws(LedgerError) {
        try await write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO digest (slot, sentAt) VALUES (?, ?)", arguments: [slot, now])
        }
    }
}
