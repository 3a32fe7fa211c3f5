public import Foundation
import GRDB

extension SQLiteLedger {
    public func callbacks(_ filter: CallbackFilter, now: Date) async throws(LedgerError) -> [VoicemailRecord] {
        let unclosed = [VoicemailRecord.CallbackState.open, .snoozed].map(\.rawValue)
        let records = try await read { db in
            var request = VoicemailRecord.filter(Column("foldedInto") == nil)
            switch filter {
            case .open, .overdue:
                request = request.filter(unclosed.contains(VoicemailRecord.Columns.callbackState))
            case .all:
                break
            }
            return try request.order(VoicemailRecord.Columns.dueAt, Column("id")).fetchAll(db)
        }
        guard filter == .overdue else { return records }
        return records.filter { $0.callbackState(at: now) == .open && $0.dueAt < now }
    }

    public func changeCallback(
        id: Int64, _ change: CallbackChange, by actor: CallbackEventRecord.Actor, at now: Date, note: String? = nil
    ) async throws(LedgerError) -> (record: VoicemailRecord, changed: Bool) {
        let path = self.path
        return try await write { db in
            guard var record = try VoicemailRecord.fetchOne(db, key: id) else {
                throw LedgerError(code: .notFound, path: path, message: "no callback #\(id)")
            }
            // A repeat call is part of its number's callback: the change is that callback's.
            if let primary = record.foldedInto, let folded = try VoicemailRecord.fetchOne(db, key: primary) { record = folded }
            guard let outcome = try record.applying(change, by: actor, at: now, path: path) else { return (record, false) }
            let id = record.id ?? id
            if let block = outcome.block {
                try db.execute(sql: "INSERT OR IGNORE INTO blockedNumber (number, addedAt, voicemailID) VALUES (?, ?, ?)", arguments: [block, now, id])
            }
            if let unblock = outcome.unblock { try db.execute(sql: "DELETE FROM blockedNumber WHERE number = ?", arguments: [unblock]) }
            try outcome.record.update(db)
            var event = CallbackEventRecord(id: nil, voicemailID: id, action: outcome.action, actor: actor, at: now, note: note, until: outcome.until)
            try event.insert(db)
            return (outcome.record, true)
        }
    }

    public func callbackEvents(id: Int64) async throws(LedgerError) -> [CallbackEventRecord] {
        try await read { db in try CallbackEventRecord.filter(Column("voicemailID") == id).order(Column("id")).fetchAll(db) }
    }

    public func earlierCalls(from number: String, before: Date, excluding id: Int64?) async throws(LedgerError) -> (count: Int, last: Date)? {
        try await read { db in
            let request =
                VoicemailRecord
                .filter(Column("callerNumber") == number)
                .filter(VoicemailRecord.Columns.receivedAt < before)
                .filter(Column("id") != (id ?? -1))
            let count = try request.fetchCount(db)
            guard count > 0, let last = try request.order(VoicemailRecord.Columns.receivedAt.desc).fetchOne(db)?.receivedAt else { return nil }
            return (count, last)
        }
    }

    public func applyCall(to number: String, at start: Date, talked: Bool, note: String) async throws(LedgerError) -> [CallOutcome] {
        let unclosed = [VoicemailRecord.CallbackState.open, .snoozed].map(\.rawValue)
        return try await write { db in
            let records =
                try VoicemailRecord
                .filter(Column("callerNumber") == number || Column("spokenNumber") == number)
                .filter(Column("foldedInto") == nil)
                .filter(unclosed.contains(VoicemailRecord.Columns.callbackState))
                .filter(VoicemailRecord.Columns.receivedAt < start)
                .fetchAll(db)
            var outcomes: [CallOutcome] = []
            for record in records {
                guard let id = record.id else { continue }
                let seen =
                    try CallbackEventRecord
                    .filter(Column("voicemailID") == id).filter(Column("actor") == CallbackEventRecord.Actor.cdr.rawValue)
                    .filter(Column("at") == start).fetchCount(db)
                guard seen == 0 else { continue }
                let (called, action) = record.called(at: start, talked: talked, now: Date())
                try called.update(db)
                var event = CallbackEventRecord(id: nil, voicemailID: id, action: action, actor: .cdr, at: start, note: note, until: nil)
                try event.insert(db)
                outcomes.append(CallOutcome(voicemailID: id, action: action))
            }
            return outcomes
        }
    }

    public func cdrCursor(path: String) async throws(LedgerError) -> (inode: UInt64, offset: UInt64)? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT inode, offset FROM cdrCursor WHERE path = ?", arguments: [path]) else { return nil }
            let inode: Int64 = row["inode"]
            let offset: Int64 = row["offset"]
            return (UInt64(bitPattern: inode), UInt64(offset))
        }
    }

    public func saveCDRCursor(path: String, inode: UInt64, offset: UInt64) async throws(LedgerError) {
        try await write { db in
            try db.execute(
                sql:
                    "INSERT INTO cdrCursor (path, inode, offset) VALUES (?, ?, ?) ON CONFLICT(path) DO UPDATE SET inode = excluded.inode, offset = excluded.offset",
                arguments: [path, Int64(bitPattern: inode), Int64(offset)])
        }
    }

    public func fold(_ id: Int64, now: Date) async throws(LedgerError) -> VoicemailRecord? {
        let unclosed = [VoicemailRecord.CallbackState.open, .snoozed].map(\.rawValue)
        return try await write { db in
            guard var record = try VoicemailRecord.fetchOne(db, key: id), record.foldedInto == nil, let number = record.callerNumber else { return nil }
            guard
                var primary =
                    try VoicemailRecord
                    .filter(Column("callerNumber") == number)
                    .filter(Column("id") != id)
                    .filter(Column("foldedInto") == nil)
                    .filter(unclosed.contains(VoicemailRecord.Columns.callbackState))
                    .order(Column("id"))
                    .fetchOne(db)
            else { return nil }
            if primary.isMissedCallOfTheSameCall(as: record), primary.state != .notified, let missedID = primary.id, let id = record.id {
                // The call records saw the hang-up first, and its card has not gone out: the voicemail is the case.
                primary.foldedInto = id
                primary.state = .withheld
                primary.updatedAt = now
                try primary.update(db)
                try db.execute(sql: "UPDATE voicemail SET foldedInto = ? WHERE foldedInto = ?", arguments: [id, missedID])
                record.dueAt = min(primary.dueAt, record.dueAt)
                record.isUrgent = primary.isUrgent || record.isUrgent
                record.updatedAt = now
                try record.update(db)
                return nil
            }
            record.foldedInto = primary.id
            // A repeat missed call from the call records adds to the open callback; a card of its own would only repeat it.
            if record.missedEnding != nil, record.state != .notified { record.state = .withheld }
            record.updatedAt = now
            try record.update(db)
            primary.dueAt = min(primary.dueAt, record.dueAt)
            primary.isUrgent = primary.isUrgent || record.isUrgent
            primary.updatedAt = now
            try primary.update(db)
            return primary
        }
    }

    public func calls(from number: String, between start: Date, and end: Date) async throws(LedgerError) -> [Date] {
        try await read { db in
            try VoicemailRecord.filter(Column("callerNumber") == number)
                .filter(VoicemailRecord.Columns.receivedAt >= start && VoicemailRecord.Columns.receivedAt < end)
                .order(VoicemailRecord.Columns.receivedAt).fetchAll(db).map(\.receivedAt)
        }
    }

    public func linkUsed(nonce: String) async throws(LedgerError) -> Date? {
        try await read { db in try Date.fetchOne(db, sql: "SELECT usedAt FROM linkUse WHERE nonce = ?", arguments: [nonce]) }
    }

    public func useLink(nonce: String, voicemailID: Int64, at now: Date) async throws(LedgerError) -> Bool {
        try await write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM linkUse WHERE nonce = ?", arguments: [nonce]) == 0 else { return false }
            try db.execute(sql: "INSERT INTO linkUse (nonce, voicemailID, usedAt) VALUES (?, ?, ?)", arguments: [nonce, voicemailID, now])
            return true
        }
    }
}

extension SQLiteLedger {
    public func voicemailOnTheSameCall(from number: String, between start: Date, and end: Date) async throws(LedgerError) -> VoicemailRecord? {
        try await read { db in
            try VoicemailRecord.filter(Column("callerNumber") == number)
                .filter(Column("missedEnding") == nil)  // a recording: a message, or a short one without speech
                .filter(VoicemailRecord.Columns.receivedAt >= start && VoicemailRecord.Columns.receivedAt <= end)
                .order(Column("id")).fetchOne(db)
        }
    }

    public func isBlocked(_ number: String) async throws(LedgerError) -> Bool {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM blockedNumber WHERE number = ?", arguments: [number]) ?? 0 > 0 }
    }

    public func transcripts(since: Date, excluding id: Int64) async throws(LedgerError) -> [(number: String, transcript: String)] {
        let rows = try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT callerNumber, transcript FROM voicemail
                    WHERE receivedAt >= ? AND id != ? AND callerNumber IS NOT NULL AND transcript IS NOT NULL AND transcript != ''
                    """, arguments: [since, id]
            ).map { row -> [String] in [row["callerNumber"], row["transcript"]] }
        }
        return rows.map { (number: $0[0], transcript: $0[1]) }
    }
}

extension VoicemailRecord {
    /// How long after a call starts the voicemail left on it can begin: its ring and the greeting.
    static let greetingAllowance: TimeInterval = 300

    /// Whether this is a missed call from the call records and `voicemail` is the recording left on the same call
    /// (a message, or a short one with no speech): the same number, recorded while the call lasted (or within a
    /// minute of its start).
    func isMissedCallOfTheSameCall(as voicemail: VoicemailRecord) -> Bool {
        guard kind == .missedCall, missedEnding != nil, voicemail.missedEnding == nil, let number = callerNumber, number == voicemail.callerNumber
        else { return false }
        let from = receivedAt.addingTimeInterval(-60)
        let through = receivedAt.addingTimeInterval(TimeInterval(ringSeconds ?? 0) + Self.greetingAllowance)
        return voicemail.receivedAt >= from && voicemail.receivedAt <= through
    }
}
