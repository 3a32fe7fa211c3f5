public import Foundation

/// Callbacks, call records, links and the digest on PostgreSQL: `SQLiteLedger+Callbacks` and `+Digest`'s intents.
/// Each change reads its rows `FOR UPDATE`, so a link tapped on one node and a call record read on another take turns
/// on a callback instead of one overwriting the other.
extension PostgresLedger {
    public func callbacks(_ filter: CallbackFilter, now: Date) async throws(LedgerError) -> [VoicemailRecord] {
        let condition = filter == .all ? "" : "AND callbackState IN ('open', 'snoozed')"
        let records = try await run { db in
            try await db.fetch(VoicemailRecord.self, "SELECT * FROM voicemail WHERE foldedInto IS NULL \(condition) ORDER BY dueAt, id")
        }
        guard filter == .overdue else { return records }
        return records.filter { $0.callbackState(at: now) == .open && $0.dueAt < now }
    }

    public func changeCallback(
        id: Int64, _ change: CallbackChange, by actor: CallbackEventRecord.Actor, at now: Date, note: String?
    ) async throws(LedgerError) -> (record: VoicemailRecord, changed: Bool) {
        let path = self.path
        return try await transaction { db in
            guard var record = try await db.fetchOne(VoicemailRecord.self, "SELECT * FROM voicemail WHERE id = ? FOR UPDATE", [id]) else {
                throw LedgerError(code: .notFound, path: path, message: "no callback #\(id)")
            }
            // A repeat call is part of its number's callback: the change is that callback's.
            if let primary = record.foldedInto,
                let folded = try await db.fetchOne(VoicemailRecord.self, "SELECT * FROM voicemail WHERE id = ? FOR UPDATE", [primary])
            {
                record = folded
            }
            guard let outcome = try record.applying(change, by: actor, at: now, path: path) else { return (record, false) }
            let id = record.id ?? id
            if let block = outcome.block {
                try await db.execute(
                    "INSERT INTO blockedNumber (number, addedAt, voicemailID) VALUES (?, ?, ?) ON CONFLICT (number) DO NOTHING", [block, now, id])
            }
            if let unblock = outcome.unblock { try await db.execute("DELETE FROM blockedNumber WHERE number = ?", [unblock]) }
            try await db.update(outcome.record, id: id)
            _ = try await db.insert(
                CallbackEventRecord(id: nil, voicemailID: id, action: outcome.action, actor: actor, at: now, note: note, until: outcome.until))
            return (outcome.record, true)
        }
    }

    public func callbackEvents(id: Int64) async throws(LedgerError) -> [CallbackEventRecord] {
        try await run { db in try await db.fetch(CallbackEventRecord.self, "SELECT * FROM callbackEvent WHERE voicemailID = ? ORDER BY id", [id]) }
    }

    public func earlierCalls(from number: String, before: Date, excluding id: Int64?) async throws(LedgerError) -> (count: Int, last: Date)? {
        let found = try await run { db -> (Int, Date?) in
            let row = try await db.rows(
                "SELECT COUNT(*) AS n, MAX(receivedAt) AS last FROM voicemail WHERE callerNumber = ? AND receivedAt < ? AND id != ?",
                [number, before, id ?? -1]
            ).first
            return (row?["n"] ?? 0, row?["last"])
        }
        guard found.0 > 0, let last = found.1 else { return nil }
        return (found.0, last)
    }

    public func applyCall(to number: String, at start: Date, talked: Bool, note: String) async throws(LedgerError) -> [CallOutcome] {
        try await transaction { db in
            // Two nodes reading call records that show the same call take turns: the second finds the first's event.
            try await db.execute("SELECT pg_advisory_xact_lock(hashtext('ringback.number:' || ?))", [number])
            let records = try await db.fetch(
                VoicemailRecord.self,
                """
                SELECT * FROM voicemail WHERE (callerNumber = ? OR spokenNumber = ?) AND foldedInto IS NULL
                  AND callbackState IN ('open', 'snoozed') AND receivedAt < ? ORDER BY id FOR UPDATE
                """, [number, number, start])
            var outcomes: [CallOutcome] = []
            for record in records {
                guard let id = record.id else { continue }
                let seen = try await db.count("SELECT COUNT(*) FROM callbackEvent WHERE voicemailID = ? AND actor = 'cdr' AND at = ?", [id, start])
                guard seen == 0 else { continue }
                let (called, action) = record.called(at: start, talked: talked, now: Date())
                try await db.update(called, id: id)
                _ = try await db.insert(CallbackEventRecord(id: nil, voicemailID: id, action: action, actor: .cdr, at: start, note: note, until: nil))
                outcomes.append(CallOutcome(voicemailID: id, action: action))
            }
            return outcomes
        }
    }

    public func cdrCursor(path: String) async throws(LedgerError) -> (inode: UInt64, offset: UInt64)? {
        let found = try await run { db -> (Int64, Int64)? in
            guard let row = try await db.rows("SELECT inode, \"offset\" FROM cdrCursor WHERE path = ?", [path]).first else { return nil }
            return (row["inode"], row["offset"])
        }
        return found.map { (UInt64(bitPattern: $0.0), UInt64($0.1)) }
    }

    public func saveCDRCursor(path: String, inode: UInt64, offset: UInt64) async throws(LedgerError) {
        try await run { db in
            try await db.execute(
                "INSERT INTO cdrCursor (path, inode, \"offset\") VALUES (?, ?, ?) ON CONFLICT (path) DO UPDATE SET inode = excluded.inode, \"offset\" = excluded.\"offset\"",
                [path, Int64(bitPattern: inode), Int64(offset)])
        }
    }

    public func fold(_ id: Int64, now: Date) async throws(LedgerError) -> VoicemailRecord? {
        try await transaction { db in
            guard let number = try await db.rows("SELECT callerNumber FROM voicemail WHERE id = ?", [id]).first?["callerNumber"] as String? else {
                return nil
            }
            // Calls from one number fold one at a time, whichever node took them: two first calls at once would
            // otherwise each fold into the other.
            try await db.execute("SELECT pg_advisory_xact_lock(hashtext('ringback.number:' || ?))", [number])
            guard var record = try await db.fetchOne(VoicemailRecord.self, "SELECT * FROM voicemail WHERE id = ? FOR UPDATE", [id]),
                record.foldedInto == nil
            else { return nil }
            guard
                var primary = try await db.fetchOne(
                    VoicemailRecord.self,
                    """
                    SELECT * FROM voicemail WHERE callerNumber = ? AND id != ? AND foldedInto IS NULL
                      AND callbackState IN ('open', 'snoozed') ORDER BY id LIMIT 1 FOR UPDATE
                    """, [number, id])
            else { return nil }
            if primary.isMissedCallOfTheSameCall(as: record), primary.state != .notified, let missedID = primary.id {
                // The call records saw the hang-up first, and its card has not gone out: the voicemail is the case.
                primary.foldedInto = id
                primary.state = .withheld
                primary.updatedAt = now
                try await db.update(primary, id: primary.id)
                try await db.execute("UPDATE voicemail SET foldedInto = ? WHERE foldedInto = ?", [id, missedID])
                record.dueAt = min(primary.dueAt, record.dueAt)
                record.isUrgent = primary.isUrgent || record.isUrgent
                record.updatedAt = now
                try await db.update(record, id: record.id)
                return nil
            }
            record.foldedInto = primary.id
            if record.missedEnding != nil, record.state != .notified { record.state = .withheld }
            record.updatedAt = now
            try await db.update(record, id: record.id)
            primary.dueAt = min(primary.dueAt, record.dueAt)
            primary.isUrgent = primary.isUrgent || record.isUrgent
            primary.updatedAt = now
            try await db.update(primary, id: primary.id)
            return primary
        }
    }

    public func voicemailOnTheSameCall(from number: String, between start: Date, and end: Date) async throws(LedgerError) -> VoicemailRecord? {
        try await run { db in
            try await db.fetchOne(
                VoicemailRecord.self,
                "SELECT * FROM voicemail WHERE callerNumber = ? AND missedEnding IS NULL AND receivedAt >= ? AND receivedAt <= ? ORDER BY id LIMIT 1",
                [number, start, end])
        }
    }

    public func isBlocked(_ number: String) async throws(LedgerError) -> Bool {
        try await run { db in try await db.count("SELECT COUNT(*) FROM blockedNumber WHERE number = ?", [number]) > 0 }
    }

    public func transcripts(since: Date, excluding id: Int64) async throws(LedgerError) -> [(number: String, transcript: String)] {
        let rows = try await run { db in
            try await db.rows(
                """
                SELECT callerNumber, transcript FROM voicemail
                WHERE receivedAt >= ? AND id != ? AND callerNumber IS NOT NULL AND transcript IS NOT NULL AND transcript != ''
                """, [since, id]
            ).map { row -> [String] in [row["callerNumber"], row["transcript"]] }
        }
        return rows.map { (number: $0[0], transcript: $0[1]) }
    }

    public func calls(from number: String, between start: Date, and end: Date) async throws(LedgerError) -> [Date] {
        try await run { db in
            try await db.rows(
                "SELECT receivedAt FROM voicemail WHERE callerNumber = ? AND receivedAt >= ? AND receivedAt < ? ORDER BY receivedAt", [number, start, end]
            ).map { $0["receivedAt"] }
        }
    }

    public func useLink(nonce: String, voicemailID: Int64, at now: Date) async throws(LedgerError) -> Bool {
        try await run { db in
            try await !db.rows(
                "INSERT INTO linkUse (nonce, voicemailID, usedAt) VALUES (?, ?, ?) ON CONFLICT (nonce) DO NOTHING RETURNING nonce", [nonce, voicemailID, now]
            ).isEmpty
        }
    }

    public func linkUsed(nonce: String) async throws(LedgerError) -> Date? {
        try await run { db in try await db.date("SELECT usedAt FROM linkUse WHERE nonce = ?", [nonce]) }
    }

    // MARK: The digest

    public func digestFacts(since: Date, now: Date) async throws(LedgerError) -> DigestFacts {
        let weekAgo = now.addingTimeInterval(-7 * 86400)
        // One snapshot: what the digest says adds up, whatever other nodes do meanwhile.
        return try await transaction { db in
            try await db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            let open = try await db.fetch(
                VoicemailRecord.self, "SELECT * FROM voicemail WHERE foldedInto IS NULL AND callbackState IN ('open', 'snoozed') ORDER BY dueAt")
            let closedOrSpam = try await db.fetch(
                VoicemailRecord.self, "SELECT * FROM voicemail WHERE foldedInto IS NULL AND callbackClosedAt > ? ORDER BY callbackClosedAt", [since])
            var joined: [Int64: [VoicemailRecord]] = [:]
            let openIDs = open.compactMap(\.id)
            var texts: [Int64: CallerTextRecord] = [:]
            if !openIDs.isEmpty {
                let list = openIDs.map(String.init).joined(separator: ", ")
                for record in try await db.fetch(VoicemailRecord.self, "SELECT * FROM voicemail WHERE foldedInto IN (\(list)) ORDER BY receivedAt") {
                    if let primary = record.foldedInto { joined[primary, default: []].append(record) }
                }
                // The newest text to each caller: a running-late update says the time they wait for now.
                for text in try await db.fetch(
                    CallerTextRecord.self, "SELECT * FROM callerText WHERE voicemailID IN (\(list)) AND kind IN ('first', 'late') ORDER BY id")
                where text.kind == CallerTextRecord.first || text.told {
                    texts[text.voicemailID] = text
                }
            }
            let due = try await db.fetch(
                VoicemailRecord.self,
                "SELECT * FROM voicemail WHERE foldedInto IS NULL AND dueAt >= ? AND dueAt <= ? AND callbackState != 'no_callback_needed'",
                [weekAgo, now])
            let onTime = due.filter { record in record.callbackState == .done && (record.callbackClosedAt ?? .distantFuture) <= record.dueAt }.count
            let times = try await db.fetch(
                VoicemailRecord.self, "SELECT * FROM voicemail WHERE foldedInto IS NULL AND callbackState = 'done' AND callbackClosedAt >= ?", [weekAgo]
            ).compactMap { record in record.callbackClosedAt.map { $0.timeIntervalSince(record.receivedAt) } }
            let refused = try await db.fetch(OutboxRecord.self, "SELECT * FROM outbox WHERE state = 'failed' ORDER BY id")
            var facts = DigestFacts(
                open: open, closed: closedOrSpam.filter { $0.spamReason == nil }, dueThisWeek: due.count, onTimeThisWeek: onTime,
                callbackTimesThisWeek: times, refusedMail: refused, spam: closedOrSpam.filter { $0.spamReason != nil }, joined: joined,
                dueThisWeekRecords: due)
            facts.texts = texts
            return facts
        }
    }

    public func lastDigest() async throws(LedgerError) -> Date? {
        try await run { db in try await db.date("SELECT MAX(sentAt) FROM digest") }
    }

    public func digestSent(slot: String) async throws(LedgerError) -> Bool {
        try await run { db in try await db.count("SELECT COUNT(*) FROM digest WHERE slot = ?", [slot]) > 0 }
    }

    public func recordDigest(slot: String, at now: Date) async throws(LedgerError) {
        try await run { db in
            try await db.execute("INSERT INTO digest (slot, sentAt) VALUES (?, ?) ON CONFLICT (slot) DO UPDATE SET sentAt = excluded.sentAt", [slot, now])
        }
    }
}
