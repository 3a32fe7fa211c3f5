public import Logging

/// The one place a configuration becomes a ledger: `ledger:` names the SQLite file a single machine keeps, or the
/// PostgreSQL database several machines share (`postgres://…`).
public enum LedgerStore {
    public static func open(_ config: PipelineConfig, logger: Logger = Logger(label: "ringback.ledger")) throws(LedgerError) -> any Ledger {
        guard PostgresLocation.isURL(config.ledger) else { return try SQLiteLedger(path: config.ledger) }
        return try PostgresLedger(location: try location(config), logger: logger)
    }

    /// `ledger:` as shown in messages: a path, or the server's URL without its password.
    public static func shown(_ config: PipelineConfig) -> String {
        guard PostgresLocation.isURL(config.ledger) else { return config.ledger }
        return (try? PostgresLocation(url: config.ledger))?.shown ?? "postgres://…"
    }

    /// The ledger as `ringback check` sees it, without creating or changing it: nil when there is none yet.
    public static func inspect(_ config: PipelineConfig) async throws(LedgerError) -> (problems: [String], current: Bool)? {
        guard PostgresLocation.isURL(config.ledger) else { return try SQLiteLedger.inspect(path: config.ledger) }
        let ledger = try PostgresLedger(location: try location(config))
        return try await ledger.inspect()
    }

    private static func location(_ config: PipelineConfig) throws(LedgerError) -> PostgresLocation {
        do throws(PostgresLocationError) {
            return try PostgresLocation(url: config.ledger)
        } catch {
            throw LedgerError(code: .open, path: "ledger", message: error.description)
        }
    }
}
