import Foundation
import GRDB
public import Logging
import NIOSSL
import PostgresNIO
import Synchronization

/// The ledger on a PostgreSQL server, shared by every Ringback node: the same intents as `SQLiteLedger`, each one
/// transaction.
///
/// Rows travel as GRDB `Row`s, so the records decode and encode exactly as they do from SQLite: dates to the
/// millisecond, booleans, JSON columns. Where SQLite's one writer made a read-then-write safe, this store locks what
/// it reads (`FOR UPDATE`) or writes only if the row is still as read (`INSERT … ON CONFLICT`, `UPDATE … WHERE`);
/// claims are rows with an owner and a lease, as in SQLite.
public struct PostgresLedger: Ledger {
    public let path: String
    let store: PostgresStore

    public init(location: PostgresLocation, logger: Logger = Logger(label: "ringback.postgres")) throws(LedgerError) {
        path = location.shown
        do {
            store = try PostgresStore(location: location, logger: logger)
        } catch {
            throw LedgerError(code: .open, path: location.shown, message: "cannot use the TLS settings: \(error)")
        }
    }

    // MARK: Access

    /// How long one intent may wait for the server. postgres-nio's pool waits for a connection as long as it takes, so a
    /// database that went away would hold every caller (a link tap, `reprocess`) for minutes; and a request slower than
    /// the web listener's 15 s idle timeout is cut off mid-answer. An intent answers within this, or fails saying so
    /// (a write that then reaches the server counts as done, like one cut off by a crash).
    static let operationLimit: Duration = .seconds(10)

    /// The schema brought up to date before the first intent: once per process, with a minute of its own (creating
    /// the tables on a busy machine takes longer than one intent may).
    func migrated() async throws(LedgerError) {
        let (store, path) = (self.store, self.path)
        try await answering(within: .seconds(60)) { () async throws(LedgerError) in
            do {
                try await store.migrate()
            } catch {
                throw Self.ledgerError(error, path: path)
            }
        }
    }

    /// One statement (or several, outside a transaction), each error a `LedgerError` naming the server.
    func run<T: Sendable>(_ work: @escaping @Sendable (PostgresSession) async throws -> T) async throws(LedgerError) -> T {
        let path = self.path
        let store = self.store
        try await migrated()
        return try await answering(within: Self.operationLimit) { () async throws(LedgerError) -> T in
            do {
                return try await work(PostgresSession(store: store, connection: nil))
            } catch {
                throw Self.ledgerError(error, path: path)
            }
        }
    }

    /// `work` in one transaction, tried again (up to three times) when PostgreSQL ends it for a deadlock or a
    /// serialization failure, as it may when two nodes change the same callback at once. Within `operationLimit`
    /// unless `limit` says otherwise (nil: as long as it takes, for `ledger migrate`).
    func transaction<T: Sendable>(
        limit: Duration? = operationLimit, _ work: @escaping @Sendable (PostgresSession) async throws -> T
    ) async throws(LedgerError) -> T {
        let path = self.path
        let store = self.store
        try await migrated()
        let attempts = { @Sendable () async throws(LedgerError) -> T in
            var attempt = 0
            while true {
                attempt += 1
                do {
                    return try await store.client.withTransaction(logger: store.logger) { connection in
                        try await work(PostgresSession(store: store, connection: connection))
                    }
                } catch let error as PostgresTransactionError where attempt < 3 && Self.isRetriable(error) {
                    continue
                } catch let error as PSQLError where attempt < 3 && Self.isRetriable(error) {
                    continue
                } catch {
                    throw Self.ledgerError(error, path: path)
                }
            }
        }
        guard let limit else { return try await attempts() }
        return try await answering(within: limit, attempts)
    }

    static func isRetriable(_ error: any Error) -> Bool {
        if let error = error as? PostgresTransactionError {
            return [error.closureError, error.commitError, error.beginError].contains { $0.map(isRetriable) ?? false }
        }
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    /// PostgreSQL's own words when it said something; else what stopped the connection. Never the password.
    static func ledgerError(_ error: any Error, path: String) -> LedgerError {
        if let error = error as? LedgerError { return error }
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.beginError ?? error.commitError { return ledgerError(inner, path: path) }
        }
        guard let error = error as? PSQLError else { return LedgerError(code: .query, path: path, message: "\(error)") }
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState] ?? ""
            let code: LedgerError.Code =
                state == "53100" ? .full : (state.hasPrefix("08") || state.hasPrefix("57P") || state == "28P01" || state == "3D000" ? .open : .query)
            return LedgerError(code: code, path: path, message: "PostgreSQL says: \(message) (\(state))")
        }
        let underlying = error.underlying.map { "\($0)" } ?? "\(error.code)"
        return LedgerError(code: .open, path: path, message: "cannot reach PostgreSQL: \(underlying)")
    }
}

/// The client (a pool of connections), its background task, the migration gate and the column types the schema has.
final class PostgresStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    private let runner: Task<Void, Never>
    private let gate = MigrationGate()
    /// `table` → `column` → PostgreSQL's type name, read once the schema is there.
    let columnTypes = Mutex<[String: [String: String]]>([:])

    init(location: PostgresLocation, logger: Logger) throws {
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password, database: location.database,
            tls: try Self.tls(location))
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = 8
        configuration.options.additionalStartupParameters = [("application_name", "ringback"), ("TimeZone", "UTC")]
        var quiet = logger
        quiet.logLevel = .critical  // the ledger's own errors say what went wrong
        let client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
        self.client = client
        self.logger = quiet
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    private static func tls(_ location: PostgresLocation) throws -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let root = location.rootCertificate { tls.trustRoots = .file(root) }
        switch location.tls {
        case .disable: return .disable
        case .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        return .require(tls)
    }

    /// The schema brought up to date, once per process (tried again at the next use if the server did not answer).
    func migrate() async throws {
        try await gate.once { try await PostgresSchema.migrate(self) }
    }

    func types(of table: String) -> [String: String] { columnTypes.withLock { $0[table.lowercased()] ?? [:] } }
}

/// Runs the migration once; a failure leaves it to be tried again.
private actor MigrationGate {
    private var done = false

    func once(_ work: @Sendable () async throws -> Void) async throws {
        guard !done else { return }
        try await work()
        done = true
    }
}

/// A value bound to a statement: what GRDB would store, in PostgreSQL's types.
enum PostgresValue: Sendable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case bool(Bool)
    case date(Date)

    /// A date as GRDB stores it (to the millisecond), so what is written compares equal to what is read back.
    static func millisecond(_ date: Date) -> PostgresValue {
        .date(Date.fromDatabaseValue(date.databaseValue) ?? date)
    }
}

protocol PostgresBindable: Sendable {
    var postgresValue: PostgresValue { get }
}

extension Int64: PostgresBindable { var postgresValue: PostgresValue { .int(self) } }
extension Int: PostgresBindable { var postgresValue: PostgresValue { .int(Int64(self)) } }
extension String: PostgresBindable { var postgresValue: PostgresValue { .text(self) } }
extension Double: PostgresBindable { var postgresValue: PostgresValue { .double(self) } }
extension Bool: PostgresBindable { var postgresValue: PostgresValue { .bool(self) } }
extension Date: PostgresBindable { var postgresValue: PostgresValue { .millisecond(self) } }
extension PostgresValue: PostgresBindable { var postgresValue: PostgresValue { self } }
extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    var postgresValue: PostgresValue { self?.postgresValue ?? .null }
}

/// Statements on the pool, or on the connection of one transaction.
struct PostgresSession: Sendable {
    let store: PostgresStore
    let connection: PostgresConnection?

    /// `sql` with `?` placeholders (as GRDB writes them), numbered for PostgreSQL.
    func rows(_ sql: String, _ arguments: [any PostgresBindable] = []) async throws -> [Row] {
        var numbered = ""
        var index = 0
        for character in sql {
            if character == "?" {
                index += 1
                numbered += "$\(index)"
            } else {
                numbered.append(character)
            }
        }
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument.postgresValue {
            case .null: binds.appendNull()
            case .int(let value): binds.append(value)
            case .double(let value): binds.append(value)
            case .text(let value): binds.append(value)
            case .bool(let value): binds.append(value)
            case .date(let value): binds.append(value)
            }
        }
        let query = PostgresQuery(unsafeSQL: numbered, binds: binds)
        let sequence =
            if let connection {
                try await connection.query(query, logger: store.logger)
            } else {
                try await store.client.query(query, logger: store.logger)
            }
        var rows: [Row] = []
        for try await row in sequence { rows.append(try Self.row(row)) }
        return rows
    }

    func execute(_ sql: String, _ arguments: [any PostgresBindable] = []) async throws {
        _ = try await rows(sql, arguments)
    }

    func fetch<R: FetchableRecord>(_ type: R.Type, _ sql: String, _ arguments: [any PostgresBindable] = []) async throws -> [R] {
        try await rows(sql, arguments).map { try R(row: $0) }
    }

    func fetchOne<R: FetchableRecord>(_ type: R.Type, _ sql: String, _ arguments: [any PostgresBindable] = []) async throws -> R? {
        try await fetch(type, sql, arguments).first
    }

    func count(_ sql: String, _ arguments: [any PostgresBindable] = []) async throws -> Int {
        let row = try await rows(sql, arguments).first
        return row.flatMap { Int.fromDatabaseValue($0[0] as DatabaseValue) } ?? 0
    }

    func date(_ sql: String, _ arguments: [any PostgresBindable] = []) async throws -> Date? {
        try await rows(sql, arguments).first.flatMap { Date.fromDatabaseValue($0[0] as DatabaseValue) }
    }

    /// Inserts the record (without its id when it has none yet) and returns it as stored.
    func insert<R: EncodableRecord & FetchableRecord & TableRecord>(_ record: R, onConflict: String = "") async throws -> R? {
        let (columns, values) = try encode(record, skippingNullID: true)
        let sql =
            "INSERT INTO \(R.databaseTableName) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", "))) \(onConflict) RETURNING *"
        return try await fetchOne(R.self, sql, values)
    }

    /// Writes every column of the record over the row with its id.
    func update<R: EncodableRecord & TableRecord>(_ record: R, id: Int64?) async throws {
        guard let id else { return }
        let (columns, values) = try encode(record, skippingNullID: true)
        let assignments = columns.filter { $0 != "id" }.map { "\($0) = ?" }.joined(separator: ", ")
        try await execute(
            "UPDATE \(R.databaseTableName) SET \(assignments) WHERE id = ?",
            zip(columns, values).filter { $0.0 != "id" }.map(\.1) + [id])
    }

    /// The record's columns and values, typed as the table's columns are.
    func encode<R: EncodableRecord & TableRecord>(_ record: R, skippingNullID: Bool) throws -> ([String], [PostgresValue]) {
        let types = store.types(of: R.databaseTableName)
        var columns: [String] = []
        var values: [PostgresValue] = []
        for (column, value) in try record.databaseDictionary.sorted(by: { $0.key < $1.key }) {
            if skippingNullID, column == "id", value.isNull { continue }
            columns.append(column)
            values.append(try Self.value(value, as: types[column.lowercased()] ?? "text", column: column))
        }
        return (columns, values)
    }

    static func value(_ value: DatabaseValue, as type: String, column: String) throws -> PostgresValue {
        switch value.storage {
        case .null: return .null
        case .int64(let number):
            switch type {
            case "boolean": return .bool(number != 0)
            case "double precision": return .double(Double(number))
            default: return .int(number)
            }
        case .double(let number): return .double(number)
        case .string(let text):
            guard type == "timestamp with time zone" else { return .text(text) }
            guard let date = Date.fromDatabaseValue(value) else { throw PostgresEncodingError(column: column, value: text) }
            return .millisecond(date)
        case .blob: throw PostgresEncodingError(column: column, value: "a blob")
        }
    }

    /// A PostgreSQL row as the GRDB row SQLite would have given: integers, doubles, text, dates as GRDB writes them.
    static func row(_ row: PostgresRow) throws -> Row {
        var values: [String: (any DatabaseValueConvertible)?] = [:]
        for cell in row {
            guard cell.bytes != nil else {
                values.updateValue(DatabaseValue.null, forKey: cell.columnName)
                continue
            }
            let value: any DatabaseValueConvertible =
                switch cell.dataType {
                case .int2, .int4, .int8: try cell.decode(Int64.self)
                case .float4, .float8: try cell.decode(Double.self)
                case .bool: try cell.decode(Bool.self)
                case .timestamptz, .timestamp: try cell.decode(Date.self)
                case .numeric: Double(try cell.decode(String.self)) ?? 0
                default: try cell.decode(String.self)
                }
            values.updateValue(value, forKey: cell.columnName)
        }
        return Row(values)
    }
}

struct PostgresEncodingError: Error, CustomStringConvertible {
    var column: String
    var value: String
    var description: String { "cannot store \(value) in column \(column)" }
}

extension PostgresLedger {
    /// What `ringback check` says about the server, without migrating it: nil when Ringback has never used this
    /// database; else the server's version, whether the schema is this Ringback's, and how far this machine's clock
    /// is from the server's.
    public func inspect() async throws(LedgerError) -> (problems: [String], current: Bool)? {
        let (store, path) = (self.store, self.path)
        let found = try await answering(within: Self.operationLimit) { () async throws(LedgerError) in
            do {
                return try await PostgresSchema.inspect(store)
            } catch {
                throw Self.ledgerError(error, path: path)
            }
        }
        guard found.missing.count < PostgresSchema.migrations.count || !found.unknown.isEmpty else { return nil }
        var problems: [String] = []
        if !found.unknown.isEmpty {
            problems.append("the schema is newer than this Ringback (\(found.unknown.joined(separator: ", "))): upgrade Ringback on this machine")
        }
        if abs(found.skew) > Self.tolerableSkew {
            problems.append(
                String(
                    format: "this machine's clock is %.1f s %@ the server's: leases are stamped by each node's clock; run NTP (chrony) on every node",
                    abs(found.skew), found.skew > 0 ? "behind" : "ahead of"))
        }
        return (problems, found.missing.isEmpty)
    }

    /// What `ringback check` also prints: the server and the clock difference.
    public func describe() async throws(LedgerError) -> String {
        let (store, path) = (self.store, self.path)
        return try await answering(within: Self.operationLimit) { () async throws(LedgerError) in
            do {
                let found = try await PostgresSchema.inspect(store)
                return String(format: "PostgreSQL %@, clocks %.2f s apart", found.version, abs(found.skew))
            } catch {
                throw Self.ledgerError(error, path: path)
            }
        }
    }

    /// Leases last a minute and are renewed every 20 s: a node whose clock is this far off could take a lease early.
    static let tolerableSkew: TimeInterval = 2
}
