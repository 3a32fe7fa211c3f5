import Foundation
import RingbackAudio
import RingbackTesting
import Testing

/// The fault suite against a running `ringback watch`: an endpoint that fails at random, a mail server that goes
/// away, a disk that fills up. `make faults` runs them at full size (`RINGBACK_FAULTS=full`).
extension WatchTests {
    static var fullSize: Bool { ProcessInfo.processInfo.environment["RINGBACK_FAULTS"] == "full" }

    func writeSMTPConfig(_ sink: SMTPSink, transcription: String = "", retryAfter: String = "1s") throws {
        let yaml = """
            owner: { name: Acme, email: owner@example.com, timezone: America/Chicago }
            intake:
              - { path: ./spool, layout: plain, settle: 1s }
            \(transcription)
            mail:
              from: "Ringback <voicemail@example.com>"
              to: [owner@example.com]
              transport: smtp
              smtp: { url: "\(sink.url)", ca_file: "\(sink.caFile.path)", timeout: 5s }
            retry_after: \(retryAfter)
            """
        try folder.write(yaml, to: "pipeline.yml")
    }

    /// Cards are the messages that start a thread; follow-ups reply to one.
    func split(_ mails: [ReceivedMail]) -> (cards: [ReceivedMail], replies: [ReceivedMail]) {
        (mails.filter { $0.header("In-Reply-To") == nil }, mails.filter { $0.header("In-Reply-To") != nil })
    }

    /// The fault suite's flaky endpoint: 30 % of requests get a 5xx, 10 % hang past the engine's timeout, 5 % are
    /// reset. Every voicemail still gets exactly one card; each card that went out without its transcript gets
    /// exactly one reply carrying it, and no card that had one gets a reply.
    @Test func aFlakyEndpointDelaysTranscriptsButNoCard() async throws {
        let count = Self.fullSize ? 100 : 20
        let standIn = try OpenAITranscriptionStandIn()
        defer { standIn.stop() }
        var generator = SeededGenerator(seed: 7)
        var scripted = (failures: 0, hangs: 0)
        for _ in 0..<(count * 2) {
            switch Int.random(in: 0..<100, using: &generator) {
            case 0..<30:
                standIn.enqueue(.respond(.json(503, #"{"error":{"message":"The server is overloaded","type":"server_error","param":null,"code":null}}"#)))
                scripted.failures += 1
            case 30..<40:
                standIn.enqueue(.hang(.seconds(4)))
                scripted.hangs += 1
            case 40..<45:
                standIn.enqueue(.reset)
                scripted.failures += 1
            default:
                standIn.enqueue(.asContracted)
            }
        }
        #expect(scripted.failures > 0 && scripted.hangs > 0)
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        try writeSMTPConfig(
            sink,
            transcription: """
                transcription:
                  engines: [{ kind: openai, url: "\(standIn.url)", api_key: sk-test, model: whisper-1, timeout: 1s }]
                  retry: { attempts: 1 }
                """, retryAfter: "500ms")
        let process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        try dropAtOnce(count, prefix: "flaky", seconds: 3)  // long enough to be a message, not a missed call

        // Done when every card is out and every card without a transcript has its reply.
        let settled = try await Eventually.holds(within: .seconds(Self.fullSize ? 300 : 120)) {
            let (cards, replies) = split((try? sink.messages()) ?? [])
            return cards.count >= count && replies.count >= cards.filter(\.awaitsTranscript).count
        }
        #expect(settled, "every card, and every transcript owed, within the time allowed")
        try await Task.sleep(for: .seconds(3))  // anything doubled would arrive now
        try await stop(process)

        let (cards, replies) = split(try sink.messages())
        #expect(cards.count == count, "one card per voicemail")
        #expect(Set(cards.compactMap { $0.header("X-Ringback-Voicemail") }).count == count)
        let owed = cards.filter(\.awaitsTranscript)
        #expect(!owed.isEmpty, "the faults reached at least one card (else this test proves nothing)")
        #expect(owed.count < count, "and some cards had their transcript at once")
        #expect(replies.count == owed.count, "one reply per card that went without its transcript, none for the others")
        #expect(Set(replies.compactMap { $0.header("In-Reply-To") }) == Set(owed.compactMap { $0.header("Message-ID") }))
        for reply in replies {
            #expect(reply.parts(contentType: "text/plain").first?.text?.contains("please call me back about the leaking sink") == true)
        }
        #expect(standIn.violations.isEmpty, "\(standIn.violations)")
    }

    /// The fault suite's SMTP outage: the mail server goes away while voicemails keep arriving, and comes back where
    /// it was. Every card arrives after it returns, none twice.
    @Test func anSMTPOutageWhileWatchingDeliversEveryCardOnceItEnds() async throws {
        let (before, during) = Self.fullSize ? (20, 80) : (5, 15)
        let mailbox = folder.url.appendingPathComponent("received-mail")
        var sink = try await SMTPSink.start(directory: mailbox)
        defer { sink.stop() }
        let port = sink.port
        try writeSMTPConfig(sink)
        let process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        try dropAtOnce(before, prefix: "before")
        #expect(try await sink.waitForMessages(count: before, timeout: .seconds(60)).count == before)

        sink.stop()
        try dropAtOnce(during, prefix: "during")
        try await Task.sleep(for: Self.fullSize ? .seconds(60) : .seconds(6))
        #expect(try sink.messages().count == before, "nothing arrives while the server is down")
        #expect(process.isRunning)

        sink = try await SMTPSink.start(.init(port: port), directory: mailbox)
        let mails = try await sink.waitForMessages(count: before + during, timeout: .seconds(Self.fullSize ? 180 : 60))
        try await Task.sleep(for: .seconds(3))
        try await stop(process)
        #expect(try sink.messages().count == before + during, "none twice")
        #expect(Set(mails.compactMap { $0.header("Message-ID") }).count == before + during)
        let list = try await RingbackCLI.run(["callbacks", "list", "--all", "--json", "--config", "pipeline.yml"], in: folder.url)
        let callbacks = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(callbacks.count == before + during)
        #expect(callbacks.allSatisfy { $0["cardState"] as? String == "notified" })
    }
}

extension WatchTests {
    /// After an outage the held-up cards go out within seconds of the server answering, not at the end of their
    /// back-off (here `retry_after: 5m`, so the first retry would be five minutes away).
    @Test func cardsHeldByAnOutageGoOutSecondsAfterTheServerAnswers() async throws {
        let mailbox = folder.url.appendingPathComponent("received-mail")
        var sink = try await SMTPSink.start(directory: mailbox)
        defer { sink.stop() }
        let port = sink.port
        try writeSMTPConfig(sink, retryAfter: "5m")
        let process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        try dropAtOnce(2, prefix: "before")
        #expect(try await sink.waitForMessages(count: 2, timeout: .seconds(60)).count == 2)

        sink.stop()
        try dropAtOnce(5, prefix: "during")
        try await Task.sleep(for: .seconds(5))
        #expect(try sink.messages().count == 2, "nothing arrives while the server is down")

        sink = try await SMTPSink.start(.init(port: port), directory: mailbox)
        let back = ContinuousClock.now
        let mails = try await sink.waitForMessages(count: 7, timeout: .seconds(30))
        #expect(mails.count == 7, "held-up cards went out within 30 s of the server answering, not after 5 min")
        #expect(ContinuousClock.now - back < .seconds(30))
        #expect(try logText().contains("the mail server answers again"))
        try await Task.sleep(for: .seconds(2))
        try await stop(process)
        #expect(Set(try sink.messages().compactMap { $0.header("Message-ID") }).count == 7, "none twice")
    }
}

/// Where `mount` works: root, and not a container that forbids it.
let canMount = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/mount")

extension WatchTests {
    /// The fault suite's full disk: the ledger and the outbox share a small tmpfs, which fills up while voicemails
    /// arrive. The watcher says so plainly and keeps running; once there is room again every voicemail gets exactly
    /// one card, and SQLite finds every page of the ledger sound.
    @Test(.enabled(if: canMount, "needs root to mount a small tmpfs"))
    func aFullDiskIsReportedAndEveryCardGoesOutOnceThereIsRoomAgain() async throws {
        let (before, during) = (3, Self.fullSize ? 40 : 8)
        let disk = folder.url.appendingPathComponent("var")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        // Room for SQLite's write-ahead log to reach its checkpoint size (1,000 pages, 4 MB) beside the cards.
        try mount(tmpfsOf: "16m", at: disk)
        defer { _ = try? Process.run(URL(fileURLWithPath: "/usr/bin/umount"), arguments: ["-l", disk.path]).waitUntilExit() }
        try writeConfig()
        try folder.write(try String(contentsOf: folder.url.appendingPathComponent("pipeline.yml"), encoding: .utf8) + "\nretry_after: 1s\n", to: "pipeline.yml")
        let process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        try dropAtOnce(before, prefix: "before")
        try await waitFor(timeout: .seconds(30)) { cards == before }

        // Fill the disk to the last byte, then let voicemails arrive.
        let filler = disk.appendingPathComponent("filler")
        #expect(FileManager.default.createFile(atPath: filler.path, contents: nil))
        let handle = try FileHandle(forWritingTo: filler)
        let block = Data(repeating: 0xAA, count: 4096)
        while (try? handle.write(contentsOf: block)) != nil {}
        try? handle.close()
        try dropAtOnce(during, prefix: "during")
        try await Task.sleep(for: .seconds(6))
        #expect(cards == before, "no card can be written to a full disk")
        #expect(process.isRunning, "a full disk does not stop the watcher")
        let log = try logText()
        #expect(log.contains("No space left on device") || log.contains("the disk holding the ledger is full"), "the log says why")

        try FileManager.default.removeItem(at: filler)
        try await waitFor(timeout: .seconds(60)) { cards >= before + during }
        try await Task.sleep(for: .seconds(2))
        try await stop(process)
        #expect(cards == before + during, "one card each once there is room, none twice")
        let list = try await RingbackCLI.run(["callbacks", "list", "--all", "--json", "--config", "pipeline.yml"], in: folder.url)
        let callbacks = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(callbacks.count == before + during)
        #expect(callbacks.allSatisfy { $0["cardState"] as? String == "notified" })
        let check = try await RingbackCLI.run(["check", "--config", "pipeline.yml"], in: folder.url)
        #expect(check.stdout.contains("every page sound"), "\(check.stdout)")
    }

    func mount(tmpfsOf size: String, at folder: URL) throws {
        let mount = try Process.run(URL(fileURLWithPath: "/usr/bin/mount"), arguments: ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", folder.path])
        mount.waitUntilExit()
        try #require(mount.terminationStatus == 0, "mount -t tmpfs failed")
    }

    /// Everything the watchers started in this folder have logged.
    func logText() throws -> String {
        let logs = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter { $0.hasSuffix(".log") }
        return try logs.map { try String(contentsOf: folder.url.appendingPathComponent($0), encoding: .utf8) }.joined()
    }
}

extension ReceivedMail {
    /// A card sent while its transcript was still owed says so, and promises a reply.
    var awaitsTranscript: Bool {
        parts(contentType: "text/plain").first?.text?.contains("will reply to this email") == true
    }
}
