import Foundation
import RingbackCurl
import RingbackTesting
import Testing

/// Several Ringback processes on one ledger: every voicemail is claimed in the ledger by one process at a time, so a
/// `reprocess` started beside `watch`, or a second `watch`, never sends a card twice. Cards are counted at the SMTP
/// server by Message-ID, not as files.
extension WatchTests {
    /// Processes started together on a ledger that does not exist yet all open it: the ones that lose the race to
    /// create its tables read what the winner made and go on (the watch-and-two-reprocess test once failed this way).
    @Test func processesStartedTogetherOnANewLedgerAllOpenIt() async throws {
        try writeConfig()
        for round in 0..<4 {
            try? FileManager.default.removeItem(at: folder.url.appendingPathComponent("var"))
            let runs = try await withThrowingTaskGroup(of: RingbackCLI.Result.self) { group in
                for _ in 0..<6 { group.addTask { try await RingbackCLI.run(["reprocess", "--config", "pipeline.yml", "spool"], in: self.folder.url) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for run in runs { #expect(run.status == 0, "round \(round): \(run.stderr)") }
        }
    }

    /// Watch and two reprocess runs on the same spool and ledger at once: exactly one card per voicemail.
    @Test func watchAndTwoReprocessRunsOnOneLedgerSendEachCardOnce() async throws {
        let count = Self.fullSize ? 200 : 60
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        try writeSMTPConfig(sink)
        try dropAtOnce(count, prefix: "shared")
        let watch = try startWatching()
        defer { if watch.isRunning { watch.terminate() } }
        async let first = RingbackCLI.run(["reprocess", "--config", "pipeline.yml", "spool"], in: folder.url)
        async let second = RingbackCLI.run(["reprocess", "--config", "pipeline.yml", "spool"], in: folder.url)
        let runs = try await [first, second]
        for run in runs { #expect(run.status == 0, "\(run.stderr)") }

        let delivered = try await Eventually.holds(within: .seconds(120)) { ((try? sink.messages()) ?? []).count >= count }
        #expect(delivered, "every voicemail carded")
        try await Task.sleep(for: .seconds(3))  // a doubled card would arrive now
        try await stop(watch)
        let messages = try sink.messages()
        let ids = Set(messages.compactMap { $0.header("Message-ID") })
        #expect(messages.count == count, "one card per voicemail, not \(messages.count)")
        #expect(ids.count == count, "one Message-ID per voicemail")
        // The runs that found a voicemail claimed by another process said so.
        let waiting = runs.map(\.stdout).joined().components(separatedBy: "another Ringback process").count - 1
        let skipped = runs.map(\.stdout).joined().components(separatedBy: "already notified").count - 1
        #expect(waiting + skipped > 0, "the reprocess runs met the other processes' work")
    }

    /// A second watch on the same ledger stands by (and says so); when the first is killed it takes over, and every
    /// voicemail dropped before and after gets exactly one card.
    @Test func aSecondWatchStandsByAndTakesOverWhenTheFirstDies() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        try writeSMTPConfig(sink)
        // Both on one config, web listener included: only the lease holder listens, so the standby does not fail on
        // a taken address.
        let port = try LoopbackPort.free()
        try Data("\nweb: { listen: 127.0.0.1:\(port) }\n".utf8).append(to: folder.url.appendingPathComponent("pipeline.yml"))
        let first = try startWatching()
        defer { if first.isRunning { first.terminate() } }
        try dropAtOnce(10, prefix: "before")
        #expect(try await Eventually.holds(within: .seconds(60)) { ((try? sink.messages()) ?? []).count >= 10 })
        let second = try startWatching()
        defer { if second.isRunning { second.terminate() } }
        #expect(try await Eventually.holds(within: .seconds(20)) { (try? logText())?.contains("standing by") == true }, "the second watch says it stands by")
        try await Task.sleep(for: .seconds(2))
        #expect(second.isRunning, "the standby keeps standing by: \((try? logText())?.suffix(1500) ?? "")")

        kill(first.processIdentifier, SIGKILL)
        try await waitFor(timeout: .seconds(10)) { !first.isRunning }
        try dropAtOnce(10, prefix: "after")
        let carded = try await Eventually.holds(within: .seconds(60)) { ((try? sink.messages()) ?? []).count >= 20 }
        let log = try logText()
        #expect(carded, "the standby took over: \(log.suffix(2000))")
        #expect(log.contains("taking over"))
        let health = try await HTTPClient().perform(HTTPRequest(url: "http://127.0.0.1:\(port)/healthz"))
        #expect(health.status == 200, "the standby serves the web listener once it holds the lease")
        try await Task.sleep(for: .seconds(3))
        try await stop(second)
        let messages = try sink.messages()
        #expect(messages.count == 20)
        #expect(Set(messages.compactMap { $0.header("Message-ID") }).count == 20)
    }

    /// The crash storm over SMTP, where a resend cannot hide behind a Maildir file name: watch is SIGKILLed at random
    /// moments while voicemails arrive. Every voicemail gets its card; a Message-ID arrives twice at most once per kill
    /// (a card caught mid-send is sent again under the same Message-ID), never more.
    @Test func aCrashStormOverSMTPSendsEveryCardAndResendsAtMostOncePerKill() async throws {
        let (rounds, total) = Self.fullSize ? (20, 300) : (6, 60)
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        try writeSMTPConfig(sink)
        var generator = SeededGenerator(seed: 20_261_201)
        var dropped = 0
        for round in 0..<rounds {
            let process = try startWatching()
            if dropped < total {
                let batch = min(total / rounds + 1, total - dropped)
                try dropAtOnce(batch, prefix: "smtp-storm\(round)")
                dropped += batch
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...2500, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            try await waitFor(timeout: .seconds(10)) { !process.isRunning }
        }
        let process = try startWatching()
        let everyOne = try await Eventually.holds(within: .seconds(Self.fullSize ? 300 : 90)) {
            Set(((try? sink.messages()) ?? []).compactMap { $0.header("Message-ID") }).count >= dropped
        }
        #expect(everyOne, "every voicemail carded")
        try await Task.sleep(for: .seconds(3))
        try await stop(process)
        let messages = try sink.messages()
        let ids = messages.compactMap { $0.header("Message-ID") }
        #expect(Set(ids).count == dropped, "one Message-ID per voicemail")
        #expect(messages.count - dropped <= rounds, "at most one resend per kill: \(messages.count) messages for \(dropped)")
        let repeats = Dictionary(grouping: ids, by: { $0 }).values.filter { $0.count > 2 }
        #expect(repeats.isEmpty, "no Message-ID three times")
    }
}
