import Foundation
import RingbackAudio
import RingbackTesting
import Testing

/// `ringback watch` as a running process, fed the way PBXs feed it.
@Suite(.serialized) struct WatchTests {
    let folder: TemporaryDirectory

    init() throws {
        folder = try TemporaryDirectory("watch")
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("spool"), withIntermediateDirectories: true)
    }

    func writeConfig(layout: String = "plain", path: String = "./spool") throws {
        let yaml = """
            owner: { name: Acme, email: owner@example.com, timezone: America/Chicago }
            intake:
              - { path: \(path), layout: \(layout), settle: 1s }
            mail: { from: "Ringback <voicemail@example.com>", to: [owner@example.com] }
            """
        try folder.write(yaml, to: "pipeline.yml")
    }

    var cards: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("var/outbox/new").path).count) ?? 0
    }

    func startWatching() throws -> Process {
        try RingbackCLI.start(["watch", "--config", "pipeline.yml"], in: folder.url)
    }

    func stop(_ process: Process) async throws {
        kill(process.processIdentifier, SIGTERM)
        try await waitFor(timeout: .seconds(15)) { !process.isRunning }
        #expect(process.terminationStatus == 0)
    }

    /// Writes recordings elsewhere, then renames them all into the spool at once.
    func dropAtOnce(_ count: Int, prefix: String) throws {
        let staging = folder.url.appendingPathComponent("staging-\(prefix)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        for index in 0..<count {
            try AudioFixture.write(staging.appendingPathComponent("\(prefix)-\(index).wav"), seconds: 0.5, signal: .noise(amplitude: 0.3))
        }
        for index in 0..<count {
            try FileManager.default.moveItem(
                at: staging.appendingPathComponent("\(prefix)-\(index).wav"), to: folder.url.appendingPathComponent("spool/\(prefix)-\(index).wav"))
        }
    }

    /// The fault suite's crash storm, short: `watch` is killed with SIGKILL at random moments while voicemails
    /// arrive, and restarted each time. Afterwards every voicemail has exactly one card and is notified in the ledger.
    @Test func aCrashStormLosesNothingAndDoublesNothing() async throws {
        try writeConfig()
        var generator = SeededGenerator(seed: 20261124)
        var dropped = 0
        for round in 0..<8 {
            let process = try startWatching()
            if round % 2 == 0 {
                try dropAtOnce(20, prefix: "storm\(round)")
                dropped += 20
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...2500, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            try await waitFor(timeout: .seconds(10)) { !process.isRunning }
        }
        let process = try startWatching()
        try await waitFor(timeout: .seconds(60)) { cards >= dropped }
        try await Task.sleep(for: .seconds(2))
        try await stop(process)
        #expect(cards == dropped, "one card per voicemail: Maildir names are derived from the voicemail")
        let list = try await RingbackCLI.run(["callbacks", "list", "--all", "--json", "--config", "pipeline.yml"], in: folder.url)
        let callbacks = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(callbacks.count == dropped)
        #expect(callbacks.allSatisfy { $0["cardState"] as? String == "notified" }, "nothing half-done in the ledger")
    }

    @Test func fiveHundredFilesDroppedAtOnceGiveFiveHundredCards() async throws {
        try writeConfig()
        let process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        try await Task.sleep(for: .milliseconds(500))
        try dropAtOnce(500, prefix: "burst")
        try await waitFor(timeout: .seconds(120)) { cards >= 500 }
        try await Task.sleep(for: .seconds(2))
        #expect(cards == 500)
        try await stop(process)
    }

    static let queueLimit = "/proc/sys/fs/inotify/max_queued_events"

    /// Shrinks the kernel's inotify queue for the watcher's instance only (the limit is read when the instance is
    /// created, then restored at once), so a burst overflows it.
    @Test(.enabled(if: FileManager.default.isWritableFile(atPath: queueLimit), "needs root to shrink the inotify queue"))
    func anOverflowedInotifyQueueLosesNothing() async throws {
        try writeConfig()
        let original = try String(contentsOfFile: Self.queueLimit, encoding: .utf8)
        try Data("8\n".utf8).write(to: URL(fileURLWithPath: Self.queueLimit))
        let process: Process
        do {
            defer { try? Data(original.utf8).write(to: URL(fileURLWithPath: Self.queueLimit)) }
            process = try startWatching()
            try await Task.sleep(for: .milliseconds(1500))
        }
        defer { if process.isRunning { process.terminate() } }
        // Frozen while the burst lands, the watcher cannot drain the queue: the kernel must drop events.
        kill(process.processIdentifier, SIGSTOP)
        try dropAtOnce(200, prefix: "flood")
        kill(process.processIdentifier, SIGCONT)
        try await waitFor(timeout: .seconds(60)) { cards >= 200 }
        try await Task.sleep(for: .seconds(2))
        #expect(cards == 200)
        try await stop(process)
        // The point of the test: the kernel really dropped events, and the rescan made up for them.
        let logs = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter { $0.hasSuffix(".log") }
        let text = try logs.map { try String(contentsOf: folder.url.appendingPathComponent($0), encoding: .utf8) }.joined()
        #expect(text.contains("inotify queue overflowed"))
    }

    @Test func aRestartCatchesUpOnWhatArrivedWhileItWasDown() async throws {
        try writeConfig()
        var process = try startWatching()
        try dropAtOnce(5, prefix: "first")
        try await waitFor { cards == 5 }
        try await stop(process)

        try dropAtOnce(20, prefix: "while-down")
        process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        try await waitFor(timeout: .seconds(60)) { cards >= 25 }
        try await Task.sleep(for: .seconds(2))
        #expect(cards == 25)
        try await stop(process)
    }

    @Test func anAsteriskMessageIsSentOnceItsTxtIsRenamedIn() async throws {
        let inbox = folder.url.appendingPathComponent("voicemail/default/1001/INBOX")
        let tmp = folder.url.appendingPathComponent("voicemail/default/1001/tmp")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        try writeConfig(layout: "asterisk", path: "./voicemail")
        let process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        try await Task.sleep(for: .milliseconds(500))

        for (ext, format) in [("WAV", AudioFormat.wav49), ("gsm", .rawGSM), ("wav", .pcm16WAV)] {
            let staged = try AudioFixture.write(tmp.appendingPathComponent("rec.\(ext)"), format: format, seconds: 3)
            try FileManager.default.moveItem(at: staged, to: inbox.appendingPathComponent("msg0000.\(ext)"))
        }
        try await Task.sleep(for: .seconds(2))
        #expect(cards == 0)  // audio alone is not a finished message

        let sidecar = try folder.write(AudioFixture.asteriskSidecar(), to: "voicemail/default/1001/tmp/rec.txt")
        try FileManager.default.moveItem(at: sidecar, to: inbox.appendingPathComponent("msg0000.txt"))
        try await waitFor { cards == 1 }

        // The owner listens on the phone: moved to Old and renumbered. Still one card.
        let old = folder.url.appendingPathComponent("voicemail/default/1001/Old")
        try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
        for ext in ["WAV", "gsm", "wav", "txt"] {
            try FileManager.default.moveItem(at: inbox.appendingPathComponent("msg0000.\(ext)"), to: old.appendingPathComponent("msg0002.\(ext)"))
        }
        try await Task.sleep(for: .seconds(3))
        #expect(cards == 1)
        try await stop(process)
    }

    @Test func aSlowWriterIsReadOnlyOnceItHasFinished() async throws {
        try writeConfig()
        let process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        try await Task.sleep(for: .milliseconds(500))

        // A WAV appended to over 3 s, closed after each write (the worst case for IN_CLOSE_WRITE).
        let whole = try AudioFixture.write(folder.url.appendingPathComponent("whole.wav"), seconds: 6)
        let bytes = try Data(contentsOf: whole)
        let target = folder.url.appendingPathComponent("spool/slow.wav")
        let chunk = bytes.count / 6
        for part in 0..<6 {
            let slice = bytes[(part * chunk)..<(part == 5 ? bytes.count : (part + 1) * chunk)]
            if part == 0 {
                try slice.write(to: target)
            } else {
                let handle = try FileHandle(forWritingTo: target)
                try handle.seekToEnd()
                try handle.write(contentsOf: slice)
                try handle.close()
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        try await waitFor { cards == 1 }
        try await stop(process)
        let result = try await RingbackCLI.run(["callbacks", "list", "--json"], in: folder.url)
        let items = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(items.count == 1)  // the partial file never became a voicemail of its own
    }

    private func waitFor(timeout: Duration = .seconds(20), _ condition: () -> Bool) async throws {
        if try await !Eventually.holds(within: timeout, condition) { Issue.record("condition not met within \(timeout)") }
    }
}

/// Reproducible randomness for the crash storm's kill times.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
