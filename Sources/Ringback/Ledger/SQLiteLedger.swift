import Foundation
public import GRDB

/// The ledger in one SQLite file, for one machine: wraps one `DatabaseWriter` and migrates it on open.
public struct SQLiteLedger: Ledger {
    private let writer: any DatabaseWriter
    public let path: String
    /// The file's device and inode when it was opened: a ledger deleted or replaced under a running process is
    /// noticed at the next read or write, instead of that process writing on into a file nobody will open again.
    private let identity: FileIdentity?

    /// Opens (creating if needed) the ledger file; WAL mode so `callbacks list` can read while `watch` writes.
    public init(path: String) throws(LedgerError) {
        // Processes opening the ledger at once (`watch` and two `reprocess` started together) take turns: switching
        // a new file to WAL and migrating it each take SQLite's write lock, and the loser of that race is told
        // "database is locked" at once, whatever the busy timeout. The turns are an flock on `LEDGER-migrate`.
        try? FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        let lock = Self.openingLock(path)
        defer { if lock >= 0 { close(lock) } }
        do {
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            // SQLite's default page cache is 2 MB per connection and the writer's fills as the ledger grows (about
            // 1.2 kB per voicemail): 512 kB keeps what a batch needs (indexes, the newest rows); the rest is in the
            // OS page cache anyway.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -512") }
            let pool = try DatabasePool(path: path, configuration: configuration)
            try self.init(writer: pool, path: path)
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(code: .open, path: path, message: "cannot open the ledger: \(error)")
        }
    }

    /// `ringback check`: the file as it is, opened read-only (never created, never migrated). Nil when there is no
    /// file yet; else SQLite's complaints (none when sound) and whether its schema is this Ringback's.
    public static func inspect(path: String) throws(LedgerError) -> (problems: [String], current: Bool)? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(10)
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in
                (try String.fetchAll(db, sql: "PRAGMA quick_check").filter { $0 != "ok" }, try migrator.hasCompletedMigrations(db))
            }
        } catch {
            throw LedgerError(code: .open, path: path, message: "cannot read the ledger: \(error)")
        }
    }

    /// Wraps any writer; tests pass an in-memory `DatabaseQueue`.
    public init(writer: any DatabaseWriter, path: String = ":memory:") throws(LedgerError) {
        self.writer = writer
        self.path = path
        self.identity = FileIdentity(path: path)
        // Several processes may open a new ledger at once. Each migration is one transaction, but which ones are
        // missing is read before it: the second process to get there would find its CREATE TABLE already done.
        // `init(path:)` makes them take turns; should one still fail (a file system without flock), the others'
        // work is read again and the rest applied.
        var attempt = 0
        while true {
            do {
                try Self.migrator.migrate(writer)
                return
            } catch {
                attempt += 1
                guard attempt < 5 else { throw LedgerError(code: .open, path: path, message: "cannot migrate the ledger: \(error)") }
                usleep(UInt32(100_000 * attempt))
            }
        }
    }

    /// An exclusive flock on `PATH-migrate`, held until the descriptor is closed; -1 for an in-memory ledger or
    /// where it cannot be taken (migrating is then retried instead).
    private static func openingLock(_ path: String) -> Int32 {
        guard path != ":memory:" else { return -1 }
        let descriptor = open(path + "-migrate", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return -1 }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(descriptor)
                return -1
            }
        }
        return descriptor
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "voicemail") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("key", .text).notNull().unique()
                t.column("sourcePath", .text).notNull()
                t.column("state", .text).notNull()
                t.column("receivedAt", .datetime).notNull()
                t.column("callerName", .text)
                t.column("callerNumber", .text)
                t.column("callerRaw", .text).notNull()
                t.column("durationMs", .integer).notNull()
                t.column("format", .text).notNull()
                t.column("isUrgent", .boolean).notNull().defaults(to: false)
                t.column("transcript", .text)
                t.column("transcriptEngine", .text)
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("lastError", .text)
                t.column("nextAttemptAt", .datetime)
                t.column("messageID", .text).notNull()
                t.column("notifiedAt", .datetime)
                t.column("dueAt", .datetime).notNull()
                t.column("callbackState", .text).notNull().defaults(to: "open")
                t.column("callbackClosedAt", .datetime)
                t.column("callbackClosedBy", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(index: "voicemail_state", on: "voicemail", columns: ["state"])
            try db.create(index: "voicemail_callback", on: "voicemail", columns: ["callbackState", "dueAt"])
            try db.create(table: "transcriptionAttempt") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("voicemail", onDelete: .cascade).notNull()
                t.column("engine", .text).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("durationMs", .integer).notNull()
                t.column("succeeded", .boolean).notNull()
                t.column("httpStatus", .integer)
                t.column("error", .text)
            }
            try db.create(table: "rejection") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("path", .text).notNull()
                t.column("code", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("quarantinedTo", .text)
                t.column("rejectedAt", .datetime).notNull()
            }
            try db.create(table: "intakeFile") { t in
                t.primaryKey("path", .text)
                t.column("size", .integer).notNull()
                t.column("modifiedAt", .double).notNull()
                t.column("voicemailKey", .text)
                t.column("outcome", .text).notNull()
                t.column("seenAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v2: layouts, routing and missed calls") { db in
            try db.alter(table: "voicemail") { t in
                t.add(column: "kind", .text).notNull().defaults(to: "voicemail")
                t.add(column: "mailbox", .text)
                t.add(column: "mailboxContext", .text)
            }
            try db.create(index: "voicemail_callerNumber", on: "voicemail", columns: ["callerNumber"])
        }
        migrator.registerMigration("v3: transcript status, confidence and follow-ups") { db in
            try db.alter(table: "voicemail") { t in
                t.add(column: "transcriptStatus", .text).notNull().defaults(to: "pending")
                t.add(column: "transcriptConfidence", .double)
                t.add(column: "transcriptIsDraft", .boolean).notNull().defaults(to: false)
                t.add(column: "transcriptFailure", .text)
            }
            try db.execute(
                sql: """
                    UPDATE voicemail SET transcriptStatus = CASE WHEN transcript IS NULL THEN 'skipped' ELSE 'done' END
                    WHERE state != 'received'
                    """)
        }
        migrator.registerMigration("v4: outbox") { db in
            try db.create(table: "outbox") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("voicemailID", .integer).notNull().indexed().references("voicemail", onDelete: .cascade)
                t.column("purpose", .text).notNull()
                t.column("messageID", .text).notNull().unique()
                t.column("recipients", .text).notNull()
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("lastError", .text)
                t.column("responseCode", .integer)
                t.column("refused", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.column("sentAt", .datetime)
            }
        }
        migrator.registerMigration("v5: callback states and their history") { db in
            try db.alter(table: "voicemail") { t in
                t.add(column: "callbackSnoozedUntil", .datetime)
                t.add(column: "callbackTries", .integer).notNull().defaults(to: 0)
            }
            try db.create(table: "callbackEvent") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("voicemailID", .integer).notNull().indexed().references("voicemail", onDelete: .cascade)
                t.column("action", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("at", .datetime).notNull()
                t.column("note", .text)
                t.column("until", .datetime)
            }
        }
        migrator.registerMigration("v6: call-record cursor") { db in
            try db.create(table: "cdrCursor") { t in
                t.primaryKey("path", .text)
                t.column("inode", .integer).notNull()
                t.column("offset", .integer).notNull()
            }
        }
        migrator.registerMigration("v7: repeat callers fold into one callback") { db in
            try db.alter(table: "voicemail") { t in
                t.add(column: "foldedInto", .integer).references("voicemail", onDelete: .setNull)
            }
        }
        migrator.registerMigration("v8: digests sent") { db in
            try db.create(table: "digest") { t in
                t.primaryKey("slot", .text)
                t.column("sentAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v9: one-click links used") { db in
            try db.create(table: "linkUse") { t in
                t.primaryKey("nonce", .text)
                t.column("voicemailID", .integer).notNull()
                t.column("usedAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v10: a callback number said in the message") { db in
            try db.alter(table: "voicemail") { t in t.add(column: "spokenNumber", .text) }
        }
        migrator.registerMigration("v11: the transcript's language and timed segments") { db in
            try db.alter(table: "voicemail") { t in
                t.add(column: "transcriptLanguage", .text)
                t.add(column: "transcriptSegments", .text)  // JSON: [{start, end, text}] in seconds
            }
        }
        migrator.registerMigration("v12: claims shared by every process on the ledger") { db in
            try db.create(table: "claim") { t in
                t.primaryKey("key", .text)  // a voicemail's key, or `watch` for the one watcher
                t.column("owner", .text).notNull()  // host:pid:token
                t.column("expiresAt", .datetime).notNull()
                t.column("claimedAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v13: missed calls from the call records, spam") { db in
            try db.alter(table: "voicemail") { t in
                t.add(column: "ringSeconds", .integer)
                t.add(column: "missedEnding", .text)
                t.add(column: "callID", .text)
                t.add(column: "spamReason", .text)
            }
            try db.create(index: "voicemail_callID", on: "voicemail", columns: ["callID"])
            try db.create(table: "blockedNumber") { t in
                t.primaryKey("number", .text)  // E.164, added by a "Spam" link
                t.column("addedAt", .datetime).notNull()
                t.column("voicemailID", .integer)
            }
        }
        migrator.registerMigration("v14: texts to callers, and numbers that opted out") { db in
            try db.create(table: "callerText") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("voicemailID", .integer).notNull().references("voicemail", onDelete: .cascade)
                t.column("kind", .text).notNull()
                t.column("number", .text).notNull().indexed()
                t.column("body", .text)
                t.column("state", .text).notNull()
                t.column("reason", .text)
                t.column("provider", .text)
                t.column("providerID", .text)
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("nextAttemptAt", .datetime)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.column("sentAt", .datetime)
                t.uniqueKey(["voicemailID", "kind"])  // one text of each kind per callback, ever
            }
            try db.create(table: "optOut") { t in
                t.primaryKey("number", .text)
                t.column("at", .datetime).notNull()
                t.column("source", .text).notNull()  // `cli`, or the provider whose webhook said STOP
            }
        }
        migrator.registerMigration("v15: the time a text promised") { db in
            try db.alter(table: "callerText") { t in t.add(column: "promisedBy", .datetime) }
        }
        migrator.registerMigration("v16: webhook deliveries") { db in
            try db.create(table: "webhookDelivery") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("endpoint", .text).notNull()
                t.column("eventID", .text).notNull()
                t.column("type", .text).notNull()
                t.column("key", .text).notNull()
                t.column("voicemailID", .integer).notNull()
                t.column("payload", .text).notNull()
                t.column("state", .text).notNull().indexed()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("nextAttemptAt", .datetime)
                t.column("lastError", .text)
                t.column("responseCode", .integer)
                t.column("occurredAt", .datetime).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.column("sentAt", .datetime)
                t.uniqueKey(["endpoint", "key"])  // one delivery per event and endpoint, whichever process saw it first
            }
            // Each look reads what changed in the last two days.
            try db.create(index: "voicemail_updatedAt", on: "voicemail", columns: ["updatedAt"])
            try db.create(index: "callbackEvent_at", on: "callbackEvent", columns: ["at"])
            try db.create(index: "callerText_sentAt", on: "callerText", columns: ["sentAt"])
            // When each endpoint was first configured: it hears what happens from then on, not the ledger's history.
            try db.create(table: "webhookEndpoint") { t in
                t.primaryKey("url", .text)
                t.column("since", .datetime).notNull()
            }
        }
        return migrator
    }

    // MARK: Access

    func read<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws(LedgerError) -> T {
        try checkIdentity()
        do {
            return try await writer.read(work)
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(code: .query, path: path, message: "\(error)")
        }
    }

    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws(LedgerError) -> T {
        try checkIdentity()
        do {
            return try await writer.write(work)
        } catch let error as LedgerError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            throw LedgerError(
                code: .full, path: path,
                message:
                    "the disk holding the ledger is full; nothing was written, and it is tried again once there is room (\(error.message ?? "SQLITE_FULL"))")
        } catch {
            throw LedgerError(code: .query, path: path, message: "\(error)")
        }
    }

    private func checkIdentity() throws(LedgerError) {
        guard let identity, FileIdentity(path: path) != identity else { return }
        throw LedgerError(
            code: .replaced, path: path,
            message: "the ledger file was deleted or replaced while Ringback had it open; nothing more is written to it. "
                + "Restore it from a backup (or start afresh knowing that every voicemail still in the drop folders is sent again), then restart")
    }
}

/// A file's device and inode, read with `stat`.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64

    init?(path: String) {
        guard path != ":memory:", let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let device = (attributes[.systemNumber] as? NSNumber)?.uint64Value, let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value
        else { return nil }
        self.device = device
        self.inode = inode
    }
}
