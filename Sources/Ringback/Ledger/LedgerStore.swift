/// The one place a configuration becomes a ledger: `ledger:` names the SQLite file a single machine keeps.
public enum LedgerStore {
    public static func open(_ config: PipelineConfig) throws(LedgerError) -> any Ledger {
        try SQLiteLedger(path: config.ledger)
    }

    /// The ledger as `ringback check` sees it, without creating or changing it: nil when there is none yet.
    public static func inspect(_ config: PipelineConfig) throws(LedgerError) -> (problems: [String], current: Bool)? {
        try SQLiteLedger.inspect(path: config.ledger)
    }
}
