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
    func dropAtOnce(_ count: Int, prefix: String, seconds: Double = 0.5) throws {
        let staging = folder.url.appendingPathComponent("staging-\(prefix)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        for index in 0..<count {
            try AudioFixture.write(staging.appendingPathComponent("\(prefix)-\(index).wav"), seconds: seconds, signal: .noise(amplitude: 0.3))
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
        // `make faults` runs the full storm: 25 kills while 500 voicemails arrive.
        let full = ProcessInfo.processInfo.environment["RINGBACK_FAULTS"] == "full"
        let (rounds, batch) = full ? (25, 40) : (8, 20)
        var generator = SeededGenerator(seed: 20_261_124)
        var dropped = 0
        for round in 0..<rounds {
            let process = try startWatching()
            if round % 2 == 0, dropped < (full ? 500 : 80) {
                try dropAtOnce(min(batch, (full ? 500 : 80) - dropped), prefix: "storm\(round)")
                dropped += min(batch, (full ? 500 : 80) - dropped)
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...2500, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            try await waitFor(timeout: .seconds(10)) { !process.isRunning }
        }
        let process = try startWatching()
        try await waitFor(timeout: .seconds(full ? 300 : 60)) { cards >= dropped }
        try await Task.sleep(for: .seconds(2))
        try await stop(process)
        #expect(cards == dropped, "one card per voicemail: Maildir names are derived from the voicemail")
        let list = try await RingbackCLI.run(["callbacks", "list", "--all", "--json", "--config", "pipeline.yml"], in: folder.url)
        let callbacks = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(callbacks.count == dropped)
        #expect(callbacks.allSatisfy { $0["cardState"] as? String == "notified" }, "nothing half-done in the ledger")
    }

    /// The fault suite's bad-input corpus: every broken file is quarantined with a reason naming it, the watcher
    /// never exits, and every good file in between gets its card. A file whose header lies but whose audio reads
    /// (a RIFF size or a data size far too big) is damaged, not lost: its card goes out with what could be read, and a
    /// copy is quarantined with the reason.
    @Test func aCorpusOfBrokenFilesIsQuarantinedAndTheWatcherKeepsGoing() async throws {
        try writeConfig()
        let process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        let spool = folder.url.appendingPathComponent("spool")
        let good = try Data(contentsOf: AudioFixture.write(folder.url.appendingPathComponent("good.wav"), seconds: 1))
        var corpus: [String: Data] = [:]
        func patched(_ offset: Int, _ bytes: [UInt8]) -> Data {
            var data = good
            data.replaceSubrange(offset..<offset + bytes.count, with: bytes)
            return data
        }
        corpus["empty.wav"] = Data()
        for length in [1, 4, 8, 12, 20, 30, 36, 43, 44] { corpus["cut-\(length).wav"] = good.prefix(length) }
        corpus["riff-size-huge.wav"] = patched(4, [0xF0, 0xFF, 0xFF, 0x7F])
        corpus["riff-size-unfilled.wav"] = patched(4, [0xFF, 0xFF, 0xFF, 0xFF])
        corpus["zero-channels.wav"] = patched(22, [0, 0])
        corpus["zero-rate.wav"] = patched(24, [0, 0, 0, 0])
        corpus["zero-bits.wav"] = patched(34, [0, 0])
        corpus["unknown-codec.wav"] = patched(20, [0x34, 0x12])
        corpus["2-to-the-31-frames.wav"] = patched(40, [0x00, 0x00, 0x00, 0x80])
        corpus["no-data-chunk.wav"] = good.prefix(36)
        corpus["flac-magic-only.wav"] = Data("fLaC".utf8) + Data(repeating: 0xAB, count: 200)
        corpus["text.wav"] = Data("hello, this is not audio\n".utf8)
        corpus["pdf.wav"] = Data("%PDF-1.4\n%âãÏÓ\n1 0 obj\n".utf8)
        corpus["html.wav"] = Data("<html><body>404</body></html>".utf8)
        var generator = SeededGenerator(seed: 31)
        for size in [2, 100, 4_096, 65_536, 1_000_000] {
            corpus["random-\(size).wav"] = Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        corpus["riff-random.wav"] = good.prefix(12) + Data((0..<5_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        corpus["junk-50MB.wav"] = Data(repeating: 0x5A, count: 50 << 20)
        let sidecars: [String: Data] = [
            "sidecar-nul": Data("[message]\ncallerid=\"Eve\" <5551230000>\0\norigtime=1790054687\n".utf8),
            "sidecar-utf8": Data("[message]\ncallerid=".utf8) + Data([0xFF, 0xFE, 0xC3]) + Data("\norigtime=1790054687\n".utf8),
            "sidecar-garbage": Data("this is\nnot a sidecar\n".utf8),
        ]
        for (name, data) in corpus { try data.write(to: spool.appendingPathComponent(name)) }
        for (name, text) in sidecars {
            try good.write(to: spool.appendingPathComponent(name + ".wav"))
            try text.write(to: spool.appendingPathComponent(name + ".txt"))
        }
        try FileManager.default.createDirectory(at: spool.appendingPathComponent("x.wav"), withIntermediateDirectories: true)
        for index in 0..<5 { try AudioFixture.write(spool.appendingPathComponent("good-\(index).wav"), seconds: 1 + Double(index) / 2) }
        let bad = corpus.count + sidecars.count
        #expect(bad >= 30)

        let quarantine = folder.url.appendingPathComponent("var/rejected")
        func reasons() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: quarantine.path)) ?? []).filter { $0.hasSuffix(".reason.txt") }
        }
        try await waitFor(timeout: .seconds(90)) { cards >= 5 && reasons().count >= bad }
        try await Task.sleep(for: .seconds(2))
        #expect(process.isRunning, "the watcher never exits on bad input")
        // Each damaged file, with what its reason must say.
        let damaged = ["riff-size-huge.wav": "should be", "2-to-the-31-frames.wav": "should be", "riff-size-unfilled.wav": "0xFFFFFFFF"]
        #expect(cards == 5 + damaged.count, "every good file, and every damaged one that still reads, gets its card")
        for name in Array(corpus.keys) + sidecars.keys.map({ $0 + ".wav" }) {
            let note = quarantine.appendingPathComponent(name + ".reason.txt")
            let text = (try? String(contentsOf: note, encoding: .utf8)) ?? ""
            #expect(text.contains(name) && text.contains("reason: "), "\(name) is quarantined with a reason")
            if let why = damaged[name] { #expect(text.contains("damaged but readable") && text.contains(why), "\(name): \(text)") }
        }
        try await stop(process)
    }

    /// SIGTERM with a transcription hung in flight: `watch` waits out `shutdown_grace`, then stops instead of waiting
    /// for the request, leaving the voicemail at its last finished stage; the next start sends its card.
    @Test func sigtermStopsAfterTheGraceWithNothingHalfDone() async throws {
        let standIn = try OpenAITranscriptionStandIn()
        defer { standIn.stop() }
        standIn.enqueue(.hang(.seconds(120)))
        let yaml = """
            owner: { name: Acme, email: owner@example.com, timezone: America/Chicago }
            intake:
              - { path: ./spool, layout: plain, settle: 1s }
            transcription:
              engines: [{ kind: openai, url: "\(standIn.url)", api_key: sk-test, model: whisper-1, timeout: 300s }]
              retry: { attempts: 1 }
            mail: { from: "Ringback <voicemail@example.com>", to: [owner@example.com] }
            shutdown_grace: 2s
            """
        try folder.write(yaml, to: "pipeline.yml")
        let process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        try AudioFixture.write(folder.url.appendingPathComponent("spool/call.wav"), seconds: 3)
        try await waitFor(timeout: .seconds(20)) { !standIn.requests.isEmpty }  // the request hangs in flight

        kill(process.processIdentifier, SIGTERM)
        try await waitFor(timeout: .seconds(30)) { !process.isRunning }  // not the 120 s the request would take
        #expect(cards == 0)
        let list = try await RingbackCLI.run(["callbacks", "list", "--all", "--json", "--config", "pipeline.yml"], in: folder.url)
        let callbacks = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(callbacks.map { $0["cardState"] as? String } == ["received"], "stopped at its last finished stage")

        let restarted = try startWatching()
        try await waitFor(timeout: .seconds(30)) { cards == 1 }
        try await stop(restarted)
        #expect(cards == 1)
    }

    /// SIGTERM while the offline engine decodes: whisper.cpp's abort callback stops the decode, `watch` exits 0 within
    /// `shutdown_grace` (never ServiceLifecycle's "cancellation took longer than allowed" crash), the voicemail stays
    /// at its last finished stage, and the next start transcribes it and sends its card.
    @Test(.oneDecodeAtATime) func sigtermMidDecodeExitsCleanlyAndTheNextStartFinishes() async throws {
        let yaml = """
            owner: { name: Acme, email: owner@example.com, timezone: America/Chicago }
            intake:
              - { path: ./spool, layout: plain, settle: 1s }
            transcription:
              engines: [{ kind: whisper, model: "\(RealSpeech.modelPath)", language: en, threads: 1 }]
            mail: { from: "Ringback <voicemail@example.com>", to: [owner@example.com] }
            shutdown_grace: 1s
            """
        try folder.write(yaml, to: "pipeline.yml")
        let process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        // A minute of real speech on one thread: many seconds of decoding, so SIGTERM lands mid-decode.
        let staging = folder.url.appendingPathComponent("long.wav")
        try RealSpeech.repeated(RealSpeech.congratulations, times: 2, to: staging)
        try FileManager.default.moveItem(at: staging, to: folder.url.appendingPathComponent("spool/long.wav"))
        try await Task.sleep(for: .seconds(4))  // settled (1 s), probed, decoding

        kill(process.processIdentifier, SIGTERM)
        try await waitFor(timeout: .seconds(20)) { !process.isRunning }
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        #expect(cards == 0, "the decode was stopped, not finished")
        let list = try await RingbackCLI.run(["callbacks", "list", "--all", "--json", "--config", "pipeline.yml"], in: folder.url)
        let callbacks = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(callbacks.map { $0["cardState"] as? String } == ["received"])

        let restarted = try startWatching()
        try await waitFor(timeout: .seconds(300)) { cards == 1 }
        try await stop(restarted)
        let card = try String(
            contentsOf: try #require(
                try FileManager.default.contentsOfDirectory(
                    at: folder.url.appendingPathComponent("var/outbox/new"), includingPropertiesForKeys: nil
                ).first), encoding: .utf8)
        #expect(card.replacingOccurrences(of: "=\r\n", with: "").contains("Congratulations"))
    }

    /// The PBX's call records, appended while `watch` runs: an answered callback closes the callback by itself.
    @Test func aCallBackLoggedWhileWatchingClosesTheCallback() async throws {
        let csv = folder.url.appendingPathComponent("Master.csv")
        #expect(FileManager.default.createFile(atPath: csv.path, contents: nil))
        let yaml = """
            owner: { name: Acme, email: owner@example.com, timezone: America/Chicago, dial_prefixes: ["9"] }
            intake:
              - { path: ./spool, layout: plain, settle: 1s }
            mail: { from: "Ringback <voicemail@example.com>", to: [owner@example.com] }
            callbacks:
              cdr: { path: ./Master.csv, poll: 200ms, min_talk_seconds: 10 }
            """
        try folder.write(yaml, to: "pipeline.yml")
        let process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        let file = try AudioFixture.write(folder.url.appendingPathComponent("spool/msg0000.wav"), seconds: 2)
        try Data(AudioFixture.asteriskSidecar(callerID: "\"Maria Lopez\" <+15551230000>", origtime: 1_790_054_687).utf8)
            .write(to: file.deletingPathExtension().appendingPathExtension("txt"))
        try await waitFor(timeout: .seconds(20)) { cards == 1 }

        // The owner calls back from the office, an hour after the voicemail: Asterisk logs it (local time, quoted).
        let fields = [
            "", "1001", "915551230000", "from-internal", "\"\"Front desk\"\" <1001>", "PJSIP/1001-1", "PJSIP/trunk-2", "Dial",
            "PJSIP/915551230000@trunk", "2026-09-22 01:30:00", "2026-09-22 01:30:04", "2026-09-22 01:32:10", "130", "126", "ANSWERED", "DOCUMENTATION",
        ]
        let handle = try FileHandle(forWritingTo: csv)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((fields.map { "\"\($0)\"" }.joined(separator: ",") + "\n").utf8))
        try handle.close()

        func state() async throws -> (String?, String?) {
            let list = try await RingbackCLI.run(["callbacks", "list", "--all", "--json", "--config", "pipeline.yml"], in: folder.url)
            let first = (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])?.first
            return (first?["state"] as? String, first?["closedBy"] as? String)
        }
        var closed: (String?, String?) = (nil, nil)
        for _ in 0..<100 where closed.0 != "done" {
            closed = try await state()
            if closed.0 != "done" { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(closed.0 == "done")
        #expect(closed.1 == "cdr")
        try await stop(process)
    }

    /// Missed calls appended to the call records while `watch` runs: a hang-up gets its own card, a blocklisted
    /// number none, and the voicemail left on a call whose row came first is the one card for that call.
    @Test func missedCallsLoggedWhileWatchingGetCardsAndTheVoicemailOnTheSameCallIsOneCase() async throws {
        let csv = folder.url.appendingPathComponent("Master.csv")
        #expect(FileManager.default.createFile(atPath: csv.path, contents: nil))
        let yaml = """
            owner: { name: Acme, email: owner@example.com, timezone: America/Chicago }
            intake:
              - { path: ./spool, layout: plain, settle: 1s }
            mail: { from: "Ringback <voicemail@example.com>", to: [owner@example.com] }
            callbacks:
              cdr: { path: ./Master.csv, poll: 200ms, voicemail_wait: 10s }
              spam: { blocklist: ["+1202"] }
            """
        try folder.write(yaml, to: "pipeline.yml")
        let process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "America/Chicago")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        /// An inbound row as Asterisk's cdr_csv writes it, the call having ended just now.
        func append(src: String, lastapp: String, duration: Int, billsec: Int, disposition: String, id: String) throws {
            let start = formatter.string(from: Date().addingTimeInterval(-Double(duration)))
            let line = AsteriskCDR.row(
                src: src, clid: "\"\" <\(src)>", lastapp: lastapp, start: start, duration: duration, billsec: billsec, disposition: disposition, uniqueid: id)
            let handle = try FileHandle(forWritingTo: csv)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(line.utf8))
            try handle.close()
        }
        try append(src: "3105550123", lastapp: "Dial", duration: 20, billsec: 0, disposition: "NO ANSWER", id: "1.1")
        try append(src: "2025550111", lastapp: "Dial", duration: 25, billsec: 0, disposition: "NO ANSWER", id: "1.2")
        // Maria's call: the row first (she hung up after leaving a message), the recording a moment later.
        try append(src: "+15551230000", lastapp: "VoiceMail", duration: 40, billsec: 25, disposition: "ANSWERED", id: "1.3")
        let file = try AudioFixture.write(folder.url.appendingPathComponent("spool/msg0000.wav"), seconds: 2)
        try Data(AudioFixture.asteriskSidecar(callerID: "\"Maria Lopez\" <+15551230000>", origtime: Int(Date().timeIntervalSince1970) - 20).utf8)
            .write(to: file.deletingPathExtension().appendingPathExtension("txt"))

        try await waitFor(timeout: .seconds(40)) { cards >= 2 }
        try await Task.sleep(for: .seconds(12))  // past every voicemail_wait: no third card comes
        #expect(cards == 2, "Chen's missed call and Maria's voicemail; the blocklisted number and Maria's row add none")
        let list = try await RingbackCLI.run(["callbacks", "list", "--all", "--json", "--config", "pipeline.yml"], in: folder.url)
        let items = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        let byNumber = Dictionary(uniqueKeysWithValues: items.compactMap { item in (item["callerNumber"] as? String).map { ($0, item) } })
        #expect(items.count == 3)
        #expect(byNumber["+13105550123"]?["missed"] as? String == "no_answer")
        #expect(byNumber["+13105550123"]?["state"] as? String == "open")
        #expect(byNumber["+12025550111"]?["spam"] as? String == "the number starts with +1202, on the blocklist")
        #expect(byNumber["+15551230000"]?["kind"] as? String == "voicemail")
        try await stop(process)
    }

    /// `watch` with `caller_texts`: the caller is texted their callback time right after the card, once.
    @Test func watchTextsTheCallerRightAfterTheCard() async throws {
        let twilio = try TwilioStandIn()
        defer { twilio.stop() }
        let yaml = """
            owner: { name: Acme Plumbing, email: owner@example.com, timezone: America/Chicago }
            intake:
              - { path: ./spool, layout: plain, settle: 1s }
            mail: { from: "Ringback <voicemail@example.com>", to: [owner@example.com] }
            callbacks: { due_within: 4h }
            caller_texts:
              provider: { kind: twilio, url: "\(twilio.url)", account_sid: \(twilio.accountSID), auth_token: "${TWILIO_AUTH_TOKEN}", from: "+15550001111" }
            """
        try folder.write(yaml, to: "pipeline.yml")
        let process = try RingbackCLI.start(
            ["watch", "--config", "pipeline.yml"], in: folder.url, environment: ["TWILIO_AUTH_TOKEN": "twilio-test-token"])
        defer { if process.isRunning { process.terminate() } }
        let file = try AudioFixture.write(folder.url.appendingPathComponent("spool/msg0000.wav"), seconds: 2)
        try Data(AudioFixture.asteriskSidecar(callerID: "\"Maria Lopez\" <+15551230000>", origtime: Int(Date().timeIntervalSince1970)).utf8)
            .write(to: file.deletingPathExtension().appendingPathExtension("txt"))
        try await waitFor(timeout: .seconds(20)) { cards == 1 && !twilio.received.isEmpty }
        try await Task.sleep(for: .seconds(2))
        #expect(twilio.received.count == 1)
        #expect(twilio.received.first?.to == "+15551230000")
        #expect(twilio.received.first?.body.hasPrefix("Thanks for calling Acme Plumbing. We got your message and will call you back by ") == true)
        #expect(twilio.violations.isEmpty, "\(twilio.violations)")
        try await stop(process)
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

    func waitFor(timeout: Duration = .seconds(20), _ condition: () -> Bool) async throws {
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
