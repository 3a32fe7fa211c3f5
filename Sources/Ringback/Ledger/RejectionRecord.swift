public import Foundation
public import GRDB

/// A file that was bad input: quarantined with a reason, never retried by the watcher until it changes.
public struct RejectionRecord: Sendable, Codable, Equatable {
    public var id: Int64?
    public var path: String
    public var code: String
    public var reason: String
    public var quarantinedTo: String?
    public var rejectedAt: Date
}

extension RejectionRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "rejection"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
