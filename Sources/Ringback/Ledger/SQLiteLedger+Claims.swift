public import Foundation
import GRDB

extension SQLiteLedger {
    public func claim(_ key: String, owner: String, until: Date, at now: Date, replacing dead: String?) async throws(LedgerError) -> Claim {
        // One IMMEDIATE transaction: SQLite's write lock makes the read and the write one step for every process.
        try await write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT owner, expiresAt FROM claim WHERE key = ?", arguments: [key]) {
                let holder: String = row["owner"]
                let expiresAt: Date = row["expiresAt"]
                guard holder == owner || holder == dead || expiresAt <= now else { return .held(by: holder, until: expiresAt) }
                try db.execute(
                    sql: "UPDATE claim SET owner = ?, expiresAt = ?, claimedAt = ? WHERE key = ?", arguments: [owner, until, now, key])
            } else {
                try db.execute(
                    sql: "INSERT INTO claim (key, owner, expiresAt, claimedAt) VALUES (?, ?, ?, ?)", arguments: [key, owner, until, now])
            }
            return .granted
        }
    }

    public func release(_ key: String, owner: String) async throws(LedgerError) {
        try await write { db in try db.execute(sql: "DELETE FROM claim WHERE key = ? AND owner = ?", arguments: [key, owner]) }
    }
}
