import Foundation
import GRDB
import PostgresNIO

/// `ringback ledger migrate --to postgres://…`: a machine's SQLite ledger copied into an empty PostgreSQL ledger in
/// one transaction (nothing is half-copied), every table but the claims, then counted on both sides.
///
/// Ids are kept, so card numbers and one-click links go on working. The PBX's message ids are put within the site
/// (`msg_id:SITE/…`, as a node of a shared ledger reads them) and so are the files intake has seen and each
/// call-record file's read position; without
/// that, every Asterisk message still in the spool would be carded again. Pushed messages keep theirs (already within
/// their PBX's name).
public enum LedgerCopy {
    public struct Count: Sendable, Codable, Equatable {
        public var table: String
        public var source: Int
        public var copied: Int
    }

    /// In the order foreign keys allow (a voicemail's `foldedInto` is set once every voicemail is there).
    static let tables = [
        "voicemail", "transcriptionAttempt", "rejection", "intakeFile", "outbox", "callbackEvent", "cdrCursor", "digest", "linkUse",
        "blockedNumber", "callerText", "optOut", "webhookDelivery", "webhookEndpoint",
    ]
    static let withIdentity: Set<String> = ["voicemail", "transcriptionAttempt", "rejection", "outbox", "callbackEvent", "callerText", "webhookDelivery"]

    public static func copy(
        from source: SQLiteLedger, to target: PostgresLedger, site: String, pushFolder: String?,
        progress: @escaping @Sendable (String, Int) -> Void = { _, _ in }
    ) async throws(LedgerError) -> [Count] {
        let path = target.path
        let existing = try await target.run { db in try await db.count("SELECT COUNT(*) FROM voicemail") }
        guard existing == 0 else {
            throw LedgerError(
                code: .conflict, path: path,
                message: "the PostgreSQL ledger already holds \(existing) voicemails; migrate into an empty database (a node may have started on it already)")
        }
        var counts: [Count] = []
        for table in tables {
            let total = try await source.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
            counts.append(Count(table: table, source: total, copied: 0))
        }
        let expected = counts
        return try await target.transaction(limit: nil) { db in
            var folds: [(Int64, Int64)] = []
            for table in tables {
                let types = db.store.types(of: table)
                var after: Int64 = 0
                var copied = 0
                while true {
                    let from = after
                    let rows = try await source.read { sqlite in
                        try Row.fetchAll(
                            sqlite, sql: "SELECT rowid AS ringback_rowid, * FROM \(table) WHERE rowid > ? ORDER BY rowid LIMIT 500", arguments: [from]
                        )
                        .map { row in Dictionary(uniqueKeysWithValues: row.map { ($0.0, $0.1) }) }
                    }
                    guard let last = rows.last else { break }
                    after = last["ringback_rowid"].flatMap { Int64.fromDatabaseValue($0) } ?? after
                    for row in rows {
                        // A pushed message's id is already within its PBX's name.
                        let file = (row["sourcePath"] ?? row["path"]).flatMap { String.fromDatabaseValue($0) } ?? ""
                        let pushed = pushFolder.map { file.hasPrefix($0 + "/") } ?? false
                        var columns: [String] = []
                        var values: [PostgresValue] = []
                        for (column, value) in row.sorted(by: { $0.key < $1.key }) where column != "ringback_rowid" {
                            var value = value
                            switch (table, column) {
                            case ("voicemail", "key"), ("intakeFile", "voicemailKey"):
                                if let key = String.fromDatabaseValue(value), !pushed { value = within(site, key).databaseValue }
                            case ("intakeFile", "path"):
                                if let file = String.fromDatabaseValue(value), !pushed { value = "\(site):\(file)".databaseValue }
                            case ("cdrCursor", "path"):
                                if let file = String.fromDatabaseValue(value) { value = "\(site):\(file)".databaseValue }
                            case ("voicemail", "foldedInto"):
                                if let primary = Int64.fromDatabaseValue(value), let id = row["id"].flatMap({ Int64.fromDatabaseValue($0) }) {
                                    folds.append((id, primary))
                                }
                                value = .null
                            default: break
                            }
                            columns.append(column == "offset" ? "\"offset\"" : column)
                            values.append(try PostgresSession.value(value, as: types[column.lowercased()] ?? "text", column: column))
                        }
                        try await db.execute(
                            "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))", values)
                        copied += 1
                    }
                    progress(table, copied)
                }
                if withIdentity.contains(table) {
                    try await db.execute(
                        "SELECT setval(pg_get_serial_sequence('\(table.lowercased())', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM \(table)), false)")
                }
            }
            for (id, primary) in folds { try await db.execute("UPDATE voicemail SET foldedInto = ? WHERE id = ?", [primary, id]) }
            var counts = expected
            for index in counts.indices {
                counts[index].copied = try await db.count("SELECT COUNT(*) FROM \(counts[index].table)")
            }
            if let short = counts.first(where: { $0.copied != $0.source }) {
                throw LedgerError(
                    code: .query, path: path, message: "\(short.table): \(short.source) rows in SQLite, \(short.copied) copied; nothing was kept")
            }
            return counts
        }
    }

    /// A ledger key as a node of `site` reads it: a PBX's own id within the site, a content hash as it is.
    static func within(_ site: String, _ key: String) -> String {
        for source in ["msg_id:", "uuid:", "cdr:"] where key.hasPrefix(source) {
            return source + site + "/" + key.dropFirst(source.count)
        }
        return key
    }
}
