public import Foundation
public import GRDB

/// One try at one engine: what was asked, how long it took, what came back.
public struct TranscriptionAttemptRecord: Sendable, Codable, Equatable {
    public var id: Int64?
    public var voicemailID: Int64
    public var engine: String
    public var startedAt: Date
    public var durationMs: Int64
    public var succeeded: Bool
    public var httpStatus: Int?
    public var error: String?
}

extension TranscriptionAttemptRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "transcriptionAttempt"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
