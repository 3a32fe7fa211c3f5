/// A ledger problem with the database file it concerns and SQLite's own words.
public struct LedgerError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case open = "ledger.open"
        case query = "ledger.query"
        case notFound = "ledger.not_found"
        /// The row is not in a state the request applies to.
        case conflict = "ledger.conflict"
        /// The disk (or filesystem) holding the ledger has no room left; nothing was written.
        case full = "ledger.full"
        /// The ledger file was deleted or replaced while this process had it open: nothing more is written.
        case replaced = "ledger.replaced"
    }

    public var code: Code
    public var path: String
    public var message: String

    public var description: String { "\(path): \(message)" }
}
