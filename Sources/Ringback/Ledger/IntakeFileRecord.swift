public import Foundation
public import GRDB

/// What the watcher already knows about a path at a given size and mtime, so a poll does not re-read it.
public struct IntakeFileRecord: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable { case notified, rejected, pending, duplicate }

    public var path: String
    public var size: Int64
    public var modifiedAt: Double
    public var voicemailKey: String?
    public var outcome: Outcome
    public var seenAt: Date
}

extension IntakeFileRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "intakeFile"
}
