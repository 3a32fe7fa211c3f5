/// The one place a configuration becomes a ledger: `ledger:` names the SQLite file a single machine keeps.
public enum LedgerStore {
    public static func open(_ config: PipelineConfig) throws(LedgerError) -> any Ledger {
        try SQLiteLedger(path: config.ledger)
    }
}
