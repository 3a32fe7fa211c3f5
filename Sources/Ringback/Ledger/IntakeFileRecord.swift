import Foundation
import GRDB

/// What the watcher already knows about a path at a given size and mtime, so a poll does not re-read it.
struct IntakeFileRecord: Sendable, Codable, Equatable {
    enum Outcome: String, Sendable, Codable { case notified, rejected, pending, duplicate }

    var path: String
    var size: Int64
    var modifiedAt: Double
    var voicemailKey: String?
    var outcome: Outcome
    var seenAt: Date
}

extension IntakeFileRecord: FetchableRecord, PersistableRecord {
    static let databaseTableName = "intakeFile"
}
