import Foundation
import RingbackTesting
import Testing

@testable import Ringback

/// The intents on both stores: a SQLite file and a database on the test PostgreSQL server.
@Suite struct LedgerTests {
    static let stores = Harness.Store.allCases

    /// A fresh ledger of `store`, and the harness that owns its folder.
    func ledger(_ store: Harness.Store) throws -> (any Ledger, Harness) {
        let harness = try Harness(store: store)
        return (try LedgerStore.open(harness.config), harness)
    }

    func record(_ key: String, due: Date) -> VoicemailRecord {
        VoicemailRecord(
            id: nil, key: key, sourcePath: "/spool/\(key).wav", state: .notified, receivedAt: due.addingTimeInterval(-3600),
            callerName: "Maria Lopez", callerNumber: "+15551230000", callerRaw: "", durationMs: 42_000, format: "WAV", isUrgent: false, kind: .voicemail,
            mailbox: nil, mailboxContext: nil,
            transcript: nil, transcriptEngine: nil, transcriptStatus: .skipped, transcriptIsDraft: false, attempts: 0, lastError: nil, nextAttemptAt: nil,
            messageID: "<\(key)@x>",
            notifiedAt: nil, dueAt: due, callbackState: .open, callbackClosedAt: nil, callbackClosedBy: nil, createdAt: due, updatedAt: due)
    }

    @Test(arguments: stores) func theSameKeyIsStoredOnce(store: Harness.Store) async throws {
        let (ledger, harness) = try ledger(store)
        defer { withExtendedLifetime(harness) {} }
        let now = Date(timeIntervalSince1970: 1_790_000_000)  // whole milliseconds: SQLite keeps ms
        let first = try await ledger.insertIfAbsent(record("a", due: now))
        let second = try await ledger.insertIfAbsent(record("a", due: now.addingTimeInterval(99)))
        #expect(first.inserted)
        #expect(!second.inserted)
        #expect(second.record.id == first.record.id)
        #expect(second.record.dueAt == first.record.dueAt)
    }

    @Test(arguments: stores) func callbacksListSoonestFirstAndDoneClosesOnce(store: Harness.Store) async throws {
        let (ledger, harness) = try ledger(store)
        defer { withExtendedLifetime(harness) {} }
        let now = Date()
        _ = try await ledger.insertIfAbsent(record("later", due: now.addingTimeInterval(7200)))
        let overdue = try await ledger.insertIfAbsent(record("overdue", due: now.addingTimeInterval(-600))).record
        #expect(try await ledger.callbacks(.open, now: now).map(\.key) == ["overdue", "later"])
        #expect(try await ledger.callbacks(.overdue, now: now).map(\.key) == ["overdue"])

        let id = try #require(overdue.id)
        let closed = try await ledger.changeCallback(id: id, .done, by: .cli, at: now)
        #expect(closed.changed)
        #expect(closed.record.callbackClosedBy == "cli")
        let again = try await ledger.changeCallback(id: id, .done, by: .cli, at: now)
        #expect(!again.changed)
        #expect(try await ledger.callbacks(.open, now: now).map(\.key) == ["later"])
        #expect(try await ledger.callbacks(.all, now: now).count == 2)
        await #expect(throws: LedgerError.self) { try await ledger.changeCallback(id: 999, .done, by: .cli, at: now) }
    }

    @Test(arguments: stores) func aCallbackIsTriedSnoozedClosedAndReopenedWithEveryStepInItsHistory(store: Harness.Store) async throws {
        let (ledger, harness) = try ledger(store)
        defer { withExtendedLifetime(harness) {} }
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let id = try #require(try await ledger.insertIfAbsent(record("a", due: now.addingTimeInterval(600))).record.id)

        let tried = try await ledger.changeCallback(id: id, .tried, by: .cli, at: now, note: "left a message")
        #expect(tried.record.callbackTries == 1)
        #expect(tried.record.callbackState == .open)

        let snoozed = try await ledger.changeCallback(id: id, .snooze(until: now.addingTimeInterval(7200)), by: .link, at: now)
        #expect(snoozed.record.callbackState(at: now) == .snoozed)
        let later = now.addingTimeInterval(3 * 3600)
        #expect(snoozed.record.callbackState(at: later) == .open, "a snooze runs out")
        #expect(try await ledger.callbacks(.overdue, now: now.addingTimeInterval(3600)).isEmpty, "snoozed is not overdue")
        #expect(try await ledger.callbacks(.overdue, now: later).map(\.id) == [id])

        #expect(try await ledger.changeCallback(id: id, .noCallbackNeeded, by: .cli, at: later).changed)
        await #expect(throws: LedgerError.self) { try await ledger.changeCallback(id: id, .tried, by: .cli, at: later) }
        await #expect(throws: LedgerError.self) { try await ledger.changeCallback(id: id, .snooze(until: later), by: .cli, at: later) }
        #expect(try await ledger.changeCallback(id: id, .reopen, by: .cli, at: later).record.callbackState == .open)
        #expect(try await !ledger.changeCallback(id: id, .reopen, by: .cli, at: later).changed, "reopening an open callback changes nothing")
        #expect(try await ledger.changeCallback(id: id, .done, by: .cdr, at: later).record.callbackClosedBy == "cdr")

        let history = try await ledger.callbackEvents(id: id)
        #expect(history.map(\.action) == [.tried, .snoozed, .noCallbackNeeded, .reopened, .done])
        #expect(history.map(\.actor) == [.cli, .link, .cli, .cli, .cdr])
        #expect(history.first?.note == "left a message")
        #expect(history[1].until == now.addingTimeInterval(7200))
    }

    @Test func theLedgerFileSurvivesReopening() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("ringback.sqlite").path
        do {
            let ledger = try SQLiteLedger(path: path)
            _ = try await ledger.insertIfAbsent(record("kept", due: Date()))
        }
        let reopened = try SQLiteLedger(path: path)
        #expect(try await reopened.voicemail(key: "kept")?.callerName == "Maria Lopez")
    }
}
