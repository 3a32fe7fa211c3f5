import Foundation
import RingbackAudio
import RingbackTesting
import Testing

/// What a new user meets in the first hour, run as they run it: every message says what to do, the dry run tells
/// the truth, and a batch shows its progress.
extension CLITests {
    /// The committed configuration without its offline engine (these tests are about messages, not transcripts).
    func writeFastConfig(_ extra: String = "") throws {
        try folder.write(
            """
            owner: { name: Acme, email: owner@example.com, timezone: America/Chicago }
            intake:
              - { path: ./spool, layout: plain, settle: 1s }
            transcription: { engines: [{ kind: none }] }
            mail: { from: "Ringback <voicemail@example.com>", to: [owner@example.com] }
            \(extra)
            """, to: "pipeline.yml")
    }

    @Test func anUnsetVariableIsNamedNotCalledTooShort() async throws {
        try writeFastConfig(#"web: { listen: 127.0.0.1:0, public_url: https://ringback.example.com, secret: "${RINGBACK_TEST_UNSET_SECRET}" }"#)
        let result = try await ringback("check")
        #expect(result.status == 2)
        #expect(result.stderr.contains("web.secret: environment variable RINGBACK_TEST_UNSET_SECRET is not set"), "\(result.stderr)")
        #expect(!result.stderr.contains("at least 16"), "\(result.stderr)")
    }

    @Test func checkTriesTheWebListener() async throws {
        // A port something else already listens on.
        let taken = try LoopbackPort()
        let port = taken.port

        try writeFastConfig("web: { listen: 127.0.0.1:\(port), public_url: https://ringback.example.com, secret: a-long-test-secret-0123456789 }")
        let busy = try await ringback("check")
        #expect(busy.status == 1)
        #expect(busy.stdout.contains("✘ web.listen 127.0.0.1:\(port): in use"), "\(busy.stdout)")

        taken.release()
        let free = try await ringback("check")
        #expect(free.stdout.contains("✔ web.listen 127.0.0.1:\(port): free; links on cards go to https://ringback.example.com/a/"), "\(free.stdout)")
    }

    @Test func watchStopsAtOnceWhenADropFolderIsNotThere() async throws {
        try writeFastConfig()
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("spool"))
        let result = try await ringback("watch")
        #expect(result.status == 2)
        #expect(result.stderr.contains("intake[0].path: \(folder.url.path)/spool does not exist; create it (mkdir -p"), "\(result.stderr)")
    }

    /// What `--dry-run` says each file would become is what the real run makes of it: a missed call for a recording
    /// too short to hold a message, a rejection for every broken file, a card for the rest.
    @Test func theDryRunPredictsWhatTheRunDoes() async throws {
        try writeFastConfig()
        let good = try Data(contentsOf: AudioFixture.write(folder.url.appendingPathComponent("good.wav"), seconds: 3))
        try AudioFixture.write(folder.url.appendingPathComponent("spool/tiny.wav"), seconds: 0.006)
        try AudioFixture.write(folder.url.appendingPathComponent("spool/silent.wav"), seconds: 4, signal: .silence)
        try good.write(to: folder.url.appendingPathComponent("spool/good.wav"))
        for (name, bytes) in [
            ("empty.wav", Data()), ("cut.wav", good.prefix(30)), ("text.wav", Data("hello".utf8)),
            ("gsm-noise.gsm", Data((0..<10).map { UInt8($0) })),
        ] {
            try bytes.write(to: folder.url.appendingPathComponent("spool/" + name))
        }
        func outcomes(_ result: RingbackCLI.Result) throws -> [String: (status: String, detail: String)] {
            let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let files = try #require(report["files"] as? [[String: Any]])
            return Dictionary(
                uniqueKeysWithValues: files.map {
                    (URL(fileURLWithPath: $0["path"] as? String ?? "").lastPathComponent, ($0["status"] as? String ?? "", $0["detail"] as? String ?? ""))
                })
        }
        let planned = try outcomes(try await ringback("reprocess", "--dry-run", "--json", "spool"))
        let done = try outcomes(try await ringback("reprocess", "--json", "spool"))
        #expect(planned.count == 7 && done.count == 7)
        for (name, plan) in planned {
            let real = try #require(done[name])
            if plan.status == "rejected" {
                #expect(real.status == "rejected", "\(name): planned \(plan), got \(real)")
            } else {
                #expect(plan.status == "planned" && real.status == "notified", "\(name): planned \(plan), got \(real)")
                let missed = real.detail.contains("missed-call card")
                #expect(plan.detail.contains("a missed call") == missed, "\(name): planned \(plan.detail), got \(real.detail)")
            }
        }
        #expect(done["tiny.wav"]?.detail.contains("missed-call card") == true)
        #expect(done["good.wav"]?.detail.contains("missed-call card") == false)
    }

    /// 6.956 s is 0:07 on the card and on the `reprocess` line alike.
    @Test func theLengthIsTheSameOnTheCardAndTheLine() async throws {
        try writeFastConfig()
        try AudioFixture.write(folder.url.appendingPathComponent("spool/a.wav"), seconds: 6.956)
        let result = try await ringback("reprocess", "spool")
        #expect(result.stdout.contains(" 0:07 — "), "\(result.stdout)")
        let card = try #require(cards.first)
        let text = try String(contentsOf: folder.url.appendingPathComponent("var/outbox/new/" + card), encoding: .utf8)
        #expect(text.contains("Length:       0:07"), "\(text.prefix(600))")
    }

    @Test func helpTextsHaveNoStrayBackslashes() async throws {
        for command in [[], ["check"], ["watch"], ["reprocess"], ["probe"], ["card", "preview"], ["callbacks"], ["digest"], ["outbox"]] {
            let result = try await RingbackCLI.run(command + ["--help"], in: folder.url)
            #expect(result.status == 0)
            #expect(!result.stdout.contains("\\"), "ringback \(command.joined(separator: " ")) --help: \(result.stdout)")
        }
    }

    @Test func probeShowsTheCallerAsThePBXGaveIt() async throws {
        try writeFastConfig()
        let audio = try AudioFixture.write(folder.url.appendingPathComponent("spool/msg.wav"), seconds: 2)
        try AudioFixture.asteriskSidecar().write(to: audio.deletingPathExtension().appendingPathExtension("txt"), atomically: true, encoding: .utf8)
        let result = try await ringback("probe", audio.path)
        #expect(result.stdout.contains(#"(as the PBX gave it: "Maria Lopez" <+15551230000>)"#), "\(result.stdout)")
        #expect(!result.stdout.contains("\"\""), "no doubled quotes")
    }

    /// `card preview` of a voicemail the ledger holds shows its card as it was sent, callback number included.
    @Test func cardPreviewOfAVoicemailInTheLedgerUsesIt() async throws {
        try writeFastConfig()
        let audio = try AudioFixture.write(folder.url.appendingPathComponent("spool/msg.wav"), seconds: 3)
        #expect(try await ringback("reprocess", "spool").status == 0)
        let html = folder.url.appendingPathComponent("preview.html")
        let result = try await ringback("card", "preview", "--html", html.path, audio.path)
        #expect(result.status == 0, "\(result.stderr)")
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(!page.contains("not in the ledger"))
        #expect(page.contains("Ringback callback #1."))
        #expect(!page.contains("ringback callbacks done"), "the phone's HTML part has no command line in it")
    }

    /// On a terminal, a progress line redrawn in place; through a pipe, plain lines, each one as it happens.
    @Test func reprocessShowsProgressOnATerminalAndPlainLinesInAPipe() async throws {
        try writeFastConfig()
        for index in 0..<3 { try AudioFixture.write(folder.url.appendingPathComponent("spool/p\(index).wav"), seconds: 2.5) }
        // A pseudo-terminal, as `script` gives one.
        let binary = try RingbackCLI.binary().path
        let terminal = try await RingbackCLI.run(
            ["-c", "script -qfec '\(binary) reprocess --dry-run spool' /dev/null"], in: folder.url, executable: "/bin/sh", environment: ["TERM": "xterm"])
        #expect(terminal.stdout.contains("\r\u{1B}[2K[0/3] ░░░░░░░░░░░░░░░░░░░░   0% · starting"), "\(terminal.stdout.debugDescription)")
        #expect(terminal.stdout.contains("[3/3] ████████████████████ 100% · "), "\(terminal.stdout.debugDescription)")
        #expect(terminal.stdout.contains("3 voicemails"))

        let piped = try await ringback("reprocess", "--dry-run", "spool")
        #expect(!piped.stdout.contains("\u{1B}") && !piped.stderr.contains("\u{1B}"), "no escape codes into a pipe")
        #expect(piped.stdout.split(separator: "\n").filter { $0.hasPrefix("[") }.count == 3)
    }
}

extension CLITests {
    /// Through a pipe, each line leaves when its voicemail is done, not in a block at the end: a slow engine (each
    /// request hangs past its 1 s timeout) spreads three lines over seconds, and the reader sees them spread.
    @Test func reprocessLinesReachAPipeOneAtATime() async throws {
        let standIn = try OpenAITranscriptionStandIn()
        defer { standIn.stop() }
        for _ in 0..<3 { standIn.enqueue(.hang(.seconds(3))) }
        try folder.write(
            """
            owner: { name: Acme, email: owner@example.com, timezone: America/Chicago }
            intake:
              - { path: ./spool, layout: plain, settle: 1s }
            transcription:
              engines: [{ kind: openai, url: "\(standIn.url)", api_key: sk-test, model: whisper-1, timeout: 1s }]
              retry: { attempts: 1 }
            mail: { from: "Ringback <voicemail@example.com>", to: [owner@example.com] }
            """, to: "pipeline.yml")
        for index in 0..<3 { try AudioFixture.write(folder.url.appendingPathComponent("spool/s\(index).wav"), seconds: 2.5) }
        let process = Process()
        process.executableURL = try RingbackCLI.binary()
        process.arguments = ["reprocess", "--concurrency", "1", "spool"]
        process.currentDirectoryURL = folder.url
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let arrivals: [ContinuousClock.Instant] = await withCheckedContinuation { continuation in
            Thread {
                var times: [ContinuousClock.Instant] = []
                while true {
                    let chunk = output.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    let lines = String(decoding: chunk, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("[") }
                    times += Array(repeating: ContinuousClock.now, count: lines.count)
                }
                continuation.resume(returning: times)
            }.start()
        }
        process.waitUntilExit()
        #expect(arrivals.count == 3)
        if let first = arrivals.first, let last = arrivals.last {
            #expect(last - first >= .milliseconds(1500), "the lines arrived \(last - first) apart")
        }
    }
}

extension CLITests {
    /// The committed pipeline.yml counts the deadline in business hours: a message left at 1 AM on a Tuesday is due at
    /// noon that day (4 h from 8:00), not at 5 AM.
    @Test func theCommittedConfigurationGivesADeadlineAPersonWouldSet() async throws {
        let audio = try AudioFixture.write(folder.url.appendingPathComponent("spool/night.wav"), seconds: 3)
        try Data(#"{"caller_number": "+15551230000", "received_at": "2026-09-22T01:00:00-05:00"}"#.utf8)
            .write(to: audio.deletingPathExtension().appendingPathExtension("json"))
        let result = try await ringback("reprocess", "--dry-run", "--json", "spool")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let file = try #require((report["files"] as? [[String: Any]])?.first)
        #expect(file["dueAt"] as? String == "2026-09-22T17:00:00Z", "noon in Chicago: \(file)")
    }
}
