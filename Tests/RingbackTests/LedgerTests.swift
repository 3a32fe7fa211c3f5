import Foundation
import GRDB
import Testing

@testable import Ringback

@Suite struct LedgerTests {
    func record(_ key: String, due: Date) -> VoicemailRecord {
        VoicemailRecord(
            id: nil, key: key, sourcePath: "/spool/\(key).wav", state: .notified, receivedAt: due.addingTimeInterval(-3600),
            callerName: "Maria Lopez", callerNumber: "+15551230000", callerRaw: "", durationMs: 42_000, format: "WAV", isUrgent: false, kind: .voicemail, mailbox: nil, mailboxContext: nil,
            transcript: nil, transcriptEngine: nil, transcriptStatus: .skipped, transcriptIsDraft: false, attempts: 0, lastError: nil, nextAttemptAt: nil, messageID: "<\(key)@x>",
            notifiedAt: nil, dueAt: due, callbackState: .open, callbackClosedAt: nil, callbackClosedBy: nil, createdAt: due, updatedAt: due)
    }

    @Test func theSameKeyIsStoredOnce() async throws {
        let ledger = try Ledger(writer: DatabaseQueue())
        let now = Date(timeIntervalSince1970: 1_790_000_000)  // whole milliseconds: SQLite keeps ms
        let first = try await ledger.insertIfAbsent(record("a", due: now))
        let second = try await ledger.insertIfAbsent(record("a", due: now.addingTimeInterval(99)))
        #expect(first.inserted)
        #expect(!second.inserted)
        #expect(second.record.id == first.record.id)
        #expect(second.record.dueAt == first.record.dueAt)
    }

    @Test func callbacksListSoonestFirstAndDoneClosesOnce() async throws {
        let ledger = try Ledger(writer: DatabaseQueue())
        let now = Date()
        _ = try await ledger.insertIfAbsent(record("later", due: now.addingTimeInterval(7200)))
        let overdue = try await ledger.insertIfAbsent(record("overdue", due: now.addingTimeInterval(-600))).record
        #expect(try await ledger.callbacks(.open, now: now).map(\.key) == ["overdue", "later"])
        #expect(try await ledger.callbacks(.overdue, now: now).map(\.key) == ["overdue"])

        let id = try #require(overdue.id)
        let closed = try await ledger.closeCallback(id: id, by: "cli", at: now)
        #expect(closed.changed)
        #expect(closed.record.callbackClosedBy == "cli")
        let again = try await ledger.closeCallback(id: id, by: "cli", at: now)
        #expect(!again.changed)
        #expect(try await ledger.callbacks(.open, now: now).map(\.key) == ["later"])
        #expect(try await ledger.callbacks(.all, now: now).count == 2)
        await #expect(throws: LedgerError.self) { try await ledger.closeCallback(id: 999, by: "cli", at: now) }
    }

    @Test func theLedgerFileSurvivesReopening() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("ringback.sqlite").path
        do {
            let ledger = try Ledger(path: path)
            _ = try await ledger.insertIfAbsent(record("kept", due: Date()))
        }
        let reopened = try Ledger(path: path)
        #expect(try await reopened.voicemail(key: "kept")?.callerName == "Maria Lopez")
    }
}
