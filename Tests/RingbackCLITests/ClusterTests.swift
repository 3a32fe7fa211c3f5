import Foundation
import Ringback
import RingbackAudio
import RingbackTesting
import Testing

/// Several `ringback watch` nodes on one PostgreSQL ledger (the test server's), each with its own site and drop folder,
/// and PBXs pushing voicemail to any of them: one card per voicemail, counted by Message-ID at a real SMTP server,
/// one digest per slot, and one callback per caller across sites.
@Suite(.serialized) struct ClusterTests {
    let folder: TemporaryDirectory
    let database: String
    static let token = "pbx-north-0123456789abcdef0123"

    init() throws {
        folder = try TemporaryDirectory("cluster")
        database = try PostgresServer.shared().database()
    }

    /// A node's folder and `pipeline.yml`: its own spool and push folder, the shared ledger, the sink, a digest slot
    /// an hour ago (so it is due at once).
    func node(_ name: String, site: String, sink: SMTPSink, port: Int, callbacks: [String] = []) throws -> URL {
        let root = folder.url.appendingPathComponent(name)
        for sub in ["spool", "pushed"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let hourAgo = calendar.dateComponents([.hour, .minute], from: Date().addingTimeInterval(-3600))
        let yaml = """
            owner: { name: Acme, email: owner@example.com, timezone: UTC }
            site: \(site)
            ledger: "\(database)"
            intake:
              - { path: ./spool, layout: plain, settle: 1s }
              - { path: ./pushed, layout: plain, settle: 1s }
            mail:
              from: "Ringback <voicemail@example.com>"
              to: [owner@example.com]
            \(smtp(sink))
            retry_after: 1s
            callbacks:
              digest: { at: "\(String(format: "%02d:%02d", hourAgo.hour ?? 0, hourAgo.minute ?? 0))", days: mon-sun }
            \(callbacks.map { "  " + $0 }.joined(separator: "\n"))
            web:
              listen: 127.0.0.1:\(port)
              push: { folder: ./pushed, tokens: { pbx-north: "${PUSH_TOKEN}" } }
            """
        try Data(yaml.utf8).write(to: root.appendingPathComponent("pipeline.yml"))
        return root
    }

    /// A node of site a reading `spool`, shared with another node of the site: its own folder and `pipeline.yml`, with
    /// `mail` (the lines under `mail:` after from and to).
    func sharedSpoolNode(_ name: String, spool: URL, ledger: String, mail: String) throws -> URL {
        let root = folder.url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let yaml = """
            owner: { name: Acme, email: owner@example.com, timezone: UTC }
            site: a
            ledger: "\(ledger)"
            intake:
              - { path: \(spool.path), layout: plain, settle: 1s }
            mail:
              from: "Ringback <voicemail@example.com>"
              to: [owner@example.com]
            \(mail)
            retry_after: 1s
            """
        try Data(yaml.utf8).write(to: root.appendingPathComponent("pipeline.yml"))
        return root
    }

    /// Mail through the test's SMTP server, as `mail:` lines.
    func smtp(_ sink: SMTPSink) -> String {
        "  transport: smtp\n  smtp: { url: \"\(sink.url)\", ca_file: \"\(sink.caFile.path)\", timeout: 5s }"
    }

    func start(_ root: URL) throws -> Process {
        try RingbackCLI.start(["watch", "--config", "pipeline.yml"], in: root, environment: ["PUSH_TOKEN": Self.token])
    }

    func stop(_ process: Process) async throws {
        kill(process.processIdentifier, SIGTERM)
        _ = try await Eventually.holds(within: .seconds(20)) { !process.isRunning }
    }

    /// Recordings written elsewhere, then renamed into the spool at once; with an Asterisk sidecar when `callerID`.
    func drop(
        _ count: Int, into root: URL, prefix: String, spoolName: String = "spool", callerID: (Int) -> String? = { _ in nil },
        msgID: (Int) -> String? = { _ in nil }
    ) throws {
        let staging = root.appendingPathComponent("staging-\(prefix)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        for index in 0..<count {
            try AudioFixture.write(staging.appendingPathComponent("\(prefix)-\(index).wav"), seconds: 0.5, signal: .noise(amplitude: 0.3))
            if let caller = callerID(index) {
                try Data(
                    AudioFixture.asteriskSidecar(callerID: caller, origtime: Int(Date().timeIntervalSince1970), msgID: msgID(index), duration: 1).utf8
                ).write(to: staging.appendingPathComponent("\(prefix)-\(index).txt"))
            }
        }
        for index in 0..<count {
            for ext in ["txt", "wav"] {
                let file = staging.appendingPathComponent("\(prefix)-\(index).\(ext)")
                guard FileManager.default.fileExists(atPath: file.path) else { continue }
                try FileManager.default.moveItem(at: file, to: root.appendingPathComponent("\(spoolName)/\(prefix)-\(index).\(ext)"))
            }
        }
    }

    /// POSTs one voicemail as a PBX's push script would (curl, multipart); returns the HTTP status.
    func push(_ audio: URL, sidecar: URL, port: Int) throws -> Int {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        let output = Pipe()
        curl.standardOutput = output
        curl.arguments = [
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(Self.token)",
            "-F", "audio=@\(audio.path)", "-F", "metadata=@\(sidecar.path)", "http://127.0.0.1:\(port)/v1/voicemails",
        ]
        try curl.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        return Int(String(decoding: data, as: UTF8.self)) ?? 0
    }

    func log(_ root: URL) -> String {
        let logs = (try? FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".log") }) ?? []
        return logs.compactMap { try? String(contentsOf: root.appendingPathComponent($0), encoding: .utf8) }.joined()
    }

    /// Three nodes, 300 voicemails over their folders and 100 pushed to them (20 pushed again to another node, as a
    /// PBX retrying after a timeout would): exactly 400 cards, one per Message-ID; one digest for the slot, even after
    /// every node restarts; the same PBX message id at two sites is two voicemails; a caller who rings site A and
    /// then site B has one callback.
    @Test func threeNodesCardEveryVoicemailOnceAndSendOneDigest() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let ports = try (0..<3).map { _ in try LoopbackPort.free() }
        let roots = try ["a", "b", "c"].enumerated().map { index, site in try node("node-\(site)", site: site, sink: sink, port: ports[index]) }
        var nodes = try roots.map(start)
        defer { for node in nodes where node.isRunning { node.terminate() } }
        for port in ports {
            #expect(try await Eventually.holds(within: .seconds(60)) { LoopbackPort.isListening(port) }, "a node listens on \(port)")
        }

        for (index, root) in roots.enumerated() { try drop(100, into: root, prefix: "local\(index)") }
        // Pushed: a PBX's messages, each with its own msg_id, to the nodes in turn.
        let outbox = folder.url.appendingPathComponent("pbx")
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        var statuses: [Int] = []
        for index in 0..<100 {
            let audio = outbox.appendingPathComponent("msg\(index).wav")
            let sidecar = outbox.appendingPathComponent("msg\(index).txt")
            try AudioFixture.write(audio, seconds: 0.5, signal: .noise(amplitude: 0.3))
            try Data(
                AudioFixture.asteriskSidecar(
                    callerID: "\"Caller \(index)\" <+1555300\(String(format: "%04d", index))>", origtime: Int(Date().timeIntervalSince1970),
                    msgID: "1790000000-\(index)", duration: 1
                ).utf8
            ).write(to: sidecar)
            statuses.append(try push(audio, sidecar: sidecar, port: ports[index % 3]))
        }
        #expect(statuses.allSatisfy { $0 == 202 }, "\(Set(statuses))")
        // A PBX that timed out retries at another node: Ringback already has the message.
        var retried: [Int] = []
        for index in 0..<20 {
            retried.append(
                try push(
                    outbox.appendingPathComponent("msg\(index).wav"), sidecar: outbox.appendingPathComponent("msg\(index).txt"), port: ports[(index + 1) % 3]))
        }

        func cards() -> [ReceivedMail] { ((try? sink.messages()) ?? []).filter { $0.header("X-Ringback-Voicemail") != nil } }
        let all = try await Eventually.holds(within: .seconds(240)) { cards().count >= 400 }
        #expect(all, "\(cards().count) cards; node a: \(log(roots[0]).suffix(1500))")
        // A retried upload is a duplicate, or (still in the other node's folder) becomes no second card.
        #expect(retried.allSatisfy { $0 == 200 || $0 == 202 }, "\(retried)")

        // The same PBX message id at two sites: two PBXs count alike, so both are carded.
        try drop(1, into: roots[0], prefix: "same-id", callerID: { _ in #""Maria Lopez" <+15551230000>"# }, msgID: { _ in "1790054687-00000006" })
        try await Task.sleep(for: .seconds(2))
        try drop(1, into: roots[1], prefix: "same-id", callerID: { _ in #""Maria Lopez" <+15551230000>"# }, msgID: { _ in "1790054687-00000006" })
        #expect(try await Eventually.holds(within: .seconds(60)) { cards().count >= 402 })
        try await Task.sleep(for: .seconds(3))  // a doubled card would arrive now

        let mails = cards()
        #expect(mails.count == 402, "one card per voicemail, not \(mails.count)")
        #expect(Set(mails.compactMap { $0.header("Message-ID") }).count == 402, "one Message-ID per voicemail")
        let digests = { ((try? sink.messages()) ?? []).filter { $0.header("X-Ringback-Voicemail") == nil } }
        #expect(digests().count == 1, "one digest for the slot across three nodes, not \(digests().count)")

        // Maria rang site A, then site B: one callback, two calls, whichever node carded them.
        let ledger = try PostgresLedger(location: PostgresLocation(url: database))
        let open = try await ledger.callbacks(.open, now: Date()).filter { $0.callerNumber == "+15551230000" }
        #expect(open.count == 1, "one callback for the caller across sites")
        #expect(try await ledger.calls(from: "+15551230000", between: .distantPast, and: .distantFuture).count == 2)

        // Every node restarts: still one digest for the slot, and nothing is carded again.
        for node in nodes { try await stop(node) }
        nodes = try roots.map(start)
        try await Task.sleep(for: .seconds(8))
        #expect(digests().count == 1, "the digest is not sent again after a restart")
        #expect(cards().count == 402, "a restart cards nothing again")
        let logs = roots.map(log).joined()
        #expect(logs.components(separatedBy: "running the cluster's reminders").count - 1 >= 1, "one node runs the cluster's services")
    }

    /// Two nodes at two sites, three voicemails at each, due 40 s after they came in and escalated 5 s later: each
    /// deadline reminder and each escalation goes out once across the cluster, and none goes out again after every
    /// node restarts; the slot's digest stays one. Counted by Message-ID at a real SMTP server.
    @Test func remindersGoOutOncePerClusterAcrossRestartsOfEveryNode() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let ports = try (0..<2).map { _ in try LoopbackPort.free() }
        let policy = ["due_within: 40s", "remind_at_deadline: true", "escalate_to: [boss@example.com]", "escalate_after: 5s"]
        let roots = try ["a", "b"].enumerated().map { index, site in
            try node("remind-\(site)", site: site, sink: sink, port: ports[index], callbacks: policy)
        }
        var nodes = try roots.map(start)
        defer { for node in nodes where node.isRunning { node.terminate() } }
        for port in ports {
            #expect(try await Eventually.holds(within: .seconds(60)) { LoopbackPort.isListening(port) }, "a node listens on \(port)")
        }
        for (site, root) in roots.enumerated() {
            try drop(3, into: root, prefix: "due\(site)", callerID: { #""Caller \#(site)\#($0)" <+155540\#(site)000\#($0)>"# })
        }

        func mails(_ kind: String) -> [ReceivedMail] {
            ((try? sink.messages()) ?? []).filter { $0.header("Message-ID")?.contains(".\(kind)@") == true }
        }
        func ids() -> [String] { ((try? sink.messages()) ?? []).compactMap { $0.header("Message-ID") } }
        // Cards at once; the deadline 40 s on and the escalation 5 s later, each seen by the next look (every 30 s).
        func remindedAll() -> Bool { mails("remind-deadline").count >= 6 && mails("escalation").count >= 6 }
        let reminded = try await Eventually.holds(within: .seconds(150)) { remindedAll() }
        #expect(reminded, "\(ids()); node a: \(log(roots[0]).suffix(1500))")
        #expect(mails("escalation").allSatisfy { $0.envelopeTo == ["boss@example.com"] })
        #expect(mails("remind-deadline").allSatisfy { $0.envelopeTo == ["owner@example.com"] })

        // Every node restarts; the one that takes the cluster's lease looks at once and finds each reminder sent.
        for node in nodes { try await stop(node) }
        nodes = try roots.map(start)
        func looks() -> Int {
            let logs: String = roots.map(log).joined()
            return logs.components(separatedBy: "running the cluster's reminders").count - 1
        }
        let looked = try await Eventually.holds(within: .seconds(60)) { looks() >= 2 }
        #expect(looked, "a restarted node runs the cluster's reminders")
        try await Task.sleep(for: .seconds(35))  // every restarted node has looked at least once by now

        let all = ids()
        #expect(all.count == Set(all).count, "every message once: \(all.sorted())")
        #expect(mails("remind-deadline").count == 6, "\(all.sorted())")
        #expect(mails("escalation").count == 6, "\(all.sorted())")
        #expect(all.count == 19, "six cards, six reminders, six escalations and one digest: \(all.sorted())")
    }

    /// A network namespace with a veth pair to this one: a second host on this machine whose link can be cut.
    final class Namespace {
        let name: String
        let hostSide: String
        let hostAddress: String
        let subnet: String

        init() throws {
            let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
            let octet = Int.random(in: 10..<250)
            name = "rb-\(tag)"
            hostSide = "rbh\(tag)"
            hostAddress = "10.231.\(octet).1"
            subnet = "10.231.\(octet).0/30"
            let inside = "rbn\(tag)"
            try Self.ip(["netns", "add", name])
            try Self.ip(["link", "add", hostSide, "type", "veth", "peer", "name", inside])
            try Self.ip(["link", "set", inside, "netns", name])
            try Self.ip(["addr", "add", hostAddress + "/30", "dev", hostSide])
            try Self.ip(["link", "set", hostSide, "up"])
            try Self.ip(["netns", "exec", name, "ip", "addr", "add", "10.231.\(octet).2/30", "dev", inside])
            try Self.ip(["netns", "exec", name, "ip", "link", "set", inside, "up"])
            try Self.ip(["netns", "exec", name, "ip", "link", "set", "lo", "up"])
        }

        /// `ip link set … down`: the node's packets to the database go nowhere.
        func cut() throws { try Self.ip(["link", "set", hostSide, "down"]) }
        func restore() throws { try Self.ip(["link", "set", hostSide, "up"]) }

        deinit {
            try? Self.ip(["link", "del", hostSide])
            try? Self.ip(["netns", "del", name])
        }

        static func ip(_ arguments: [String]) throws {
            let process = try Process.run(URL(fileURLWithPath: "/usr/sbin/ip"), arguments: arguments)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw PostgresServer.Failure(description: "ip \(arguments.joined(separator: " ")) failed") }
        }
    }

    /// Two nodes of one site on a shared spool: the first runs inside a network namespace and loses its link to the
    /// database. It stops claiming and says so; the standby takes over and cards what arrives meanwhile; when the
    /// link comes back the first finds its lease taken and stops. Every voicemail is carded once, by one node.
    @Test(.enabled(if: getuid() == 0, "network namespaces need root"))
    func aNodeCutOffFromTheDatabaseStopsAndTheOtherTakesOver() async throws {
        let namespace = try Namespace()
        let server = try PostgresServer.start(alsoListeningOn: [namespace.hostAddress], trusting: namespace.subnet)
        defer { server.stop() }
        let database = try server.createDatabase()
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let spool = folder.url.appendingPathComponent("shared-spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)

        // The cut-off node writes to a Maildir of its own (it cannot reach the sink either); the other sends by SMTP.
        let cut = try sharedSpoolNode("cut", spool: spool, ledger: server.url(database, host: namespace.hostAddress), mail: "  maildir: ./outbox")
        let other = try sharedSpoolNode("other", spool: spool, ledger: server.url(database), mail: smtp(sink))

        let inside = try RingbackCLI.start(["watch", "--config", "pipeline.yml"], in: cut, through: ["/usr/sbin/ip", "netns", "exec", namespace.name])
        defer { if inside.isRunning { inside.terminate() } }
        let cutCards = cut.appendingPathComponent("outbox/new")
        func cutMessageIDs() -> Set<String> {
            let files = (try? FileManager.default.contentsOfDirectory(at: cutCards, includingPropertiesForKeys: nil)) ?? []
            return Set(files.compactMap { try? headers(of: $0)["message-id"] })
        }
        try await Task.sleep(for: .seconds(3))  // it takes the site's and the cluster's leases first
        let standby = try start(other)
        defer { if standby.isRunning { standby.terminate() } }
        #expect(try await Eventually.holds(within: .seconds(30)) { log(other).contains("standing by") }, "\(log(other))")

        try drop(10, into: spool.deletingLastPathComponent(), prefix: "before", spoolName: spool.lastPathComponent)
        #expect(try await Eventually.holds(within: .seconds(60)) { cutMessageIDs().count >= 10 }, "\(log(cut).suffix(2000))")

        try namespace.cut()
        try drop(10, into: spool.deletingLastPathComponent(), prefix: "during", spoolName: spool.lastPathComponent)
        let said = try await Eventually.holds(within: .seconds(120)) { log(cut).contains("lost the ledger for longer than the watch lease") }
        #expect(said, "the cut-off node says it stopped claiming: \(log(cut).suffix(2000))")
        let tookOver = try await Eventually.holds(within: .seconds(120)) { ((try? sink.messages()) ?? []).count >= 10 }
        #expect(tookOver, "the standby took over: \(log(other).suffix(2000))")

        try namespace.restore()
        let stopped = try await Eventually.holds(within: .seconds(90)) { !inside.isRunning }
        #expect(stopped, "back on the network, the node finds its lease taken and stops: \(log(cut).suffix(2000))")
        #expect(log(cut).contains("another process took over the watch lease"))
        try await Task.sleep(for: .seconds(3))  // a doubled card would arrive now

        let sent = ((try? sink.messages()) ?? []).compactMap { $0.header("Message-ID") }
        let written = cutMessageIDs()
        #expect(sent.count == 10, "the standby sent what arrived while the other was cut off, once each: \(sent.count)")
        #expect(Set(sent).count == 10)
        #expect(written.count == 10, "the cut-off node carded only what it had before the cut")
        #expect(written.isDisjoint(with: Set(sent)), "no voicemail carded by both nodes")
        try await stop(standby)
    }

    /// A machine's SQLite ledger moved to the shared one: every table counted on both sides, ids kept, and nothing
    /// carded again when the same spool is read on PostgreSQL (an Asterisk message id is put within the site). A
    /// second migration into the same database is refused.
    @Test func aSQLiteLedgerMigratesAndNothingIsCardedAgain() async throws {
        let root = folder.url.appendingPathComponent("single")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("spool"), withIntermediateDirectories: true)
        func write(ledger: String) throws {
            let yaml = """
                owner: { name: Acme, email: owner@example.com, timezone: UTC }
                site: front-desk
                ledger: "\(ledger)"
                intake:
                  - { path: ./spool, layout: plain, settle: 1s }
                mail: { from: "Ringback <voicemail@example.com>", to: [owner@example.com] }
                """
            try Data(yaml.utf8).write(to: root.appendingPathComponent("pipeline.yml"))
        }
        try write(ledger: "./var/ringback.sqlite")
        try drop(3, into: root, prefix: "asterisk", callerID: { #""Caller \#($0)" <+1555400000\#($0)>"# }, msgID: { "1790054687-0000000\($0)" })
        try drop(2, into: root, prefix: "plain")
        let cards = { (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("var/outbox/new").path))?.count ?? 0 }
        let first = try await RingbackCLI.run(["reprocess", "spool"], in: root)
        #expect(first.stdout.contains("5 voicemails: 5 notified"), "\(first.stdout)\(first.stderr)")
        let done = try await RingbackCLI.run(["callbacks", "done", "2"], in: root)
        #expect(done.status == 0, "\(done.stderr)")

        let migrated = try await RingbackCLI.run(["ledger", "migrate", "--to", database, "--json"], in: root)
        #expect(migrated.status == 0, "\(migrated.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(migrated.stdout.utf8)) as? [String: Any]
        let tables = (report?["tables"] as? [[String: Any]]) ?? []
        #expect(tables.first { $0["table"] as? String == "voicemail" }?["copied"] as? Int == 5)
        #expect(tables.first { $0["table"] as? String == "callbackEvent" }?["copied"] as? Int == 1)
        #expect(tables.allSatisfy { $0["copied"] as? Int == $0["source"] as? Int }, "\(tables)")

        try write(ledger: database)
        let again = try await RingbackCLI.run(["reprocess", "spool"], in: root)
        #expect(again.stdout.contains("5 voicemails: 0 notified, 5 skipped"), "nothing is carded again on PostgreSQL: \(again.stdout)\(again.stderr)")
        #expect(cards() == 5)
        let list = try await RingbackCLI.run(["callbacks", "list", "--all", "--json"], in: root)
        let callbacks = (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]) ?? []
        #expect(callbacks.compactMap { $0["id"] as? Int }.sorted() == [1, 2, 3, 4, 5], "ids are kept: \(list.stdout)")
        #expect(callbacks.first { $0["id"] as? Int == 2 }?["state"] as? String == "done", "its history came too")
        let check = try await RingbackCLI.run(["check"], in: root)
        #expect(check.stdout.contains("✔ ledger postgres://ringback@127.0.0.1:"), "shown without a password: \(check.stdout)")
        #expect(check.stdout.contains("answers (PostgreSQL 15.") && check.stdout.contains("clocks 0.") && check.stdout.contains("schema up to date"))

        try write(ledger: "./var/ringback.sqlite")
        let twice = try await RingbackCLI.run(["ledger", "migrate", "--to", database], in: root)
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("already holds 5 voicemails"), "\(twice.stderr)")
    }

    /// Two nodes of one site on a shared spool, the second on "another machine" (its own host name, so it cannot see
    /// that the first's process is gone and must wait out the lease): the first is killed with SIGKILL while cards go
    /// out, and the second finishes its voicemails within the lease. Every voicemail is carded; a card caught
    /// mid-send (up to four go at once) may go again under its own Message-ID, nothing else twice.
    @Test(.enabled(if: getuid() == 0, "a host name of its own needs root (unshare --uts)"))
    func aNodeKilledMidFlightIsFinishedByAnotherWithinTheLease() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let spool = folder.url.appendingPathComponent("shared-spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        let first = try start(try sharedSpoolNode("first", spool: spool, ledger: database, mail: smtp(sink)))
        defer { if first.isRunning { first.terminate() } }
        try await Task.sleep(for: .seconds(3))
        let secondRoot = try sharedSpoolNode("second", spool: spool, ledger: database, mail: smtp(sink))
        let second = try RingbackCLI.start(
            ["watch", "--config", "pipeline.yml"], in: secondRoot,
            through: ["/usr/bin/unshare", "--uts", "/bin/sh", "-c", "hostname other-machine && exec \"$@\"", "sh"])
        defer { if second.isRunning { second.terminate() } }
        #expect(try await Eventually.holds(within: .seconds(30)) { log(secondRoot).contains("standing by") })

        let count = 60
        try drop(count, into: folder.url, prefix: "call", spoolName: "shared-spool")
        func messages() -> [ReceivedMail] { (try? sink.messages()) ?? [] }
        #expect(try await Eventually.holds(within: .seconds(60)) { messages().count >= 5 })
        kill(first.processIdentifier, SIGKILL)
        let killedAt = Date()
        _ = try await Eventually.holds(within: .seconds(10)) { !first.isRunning }
        let before = Set(messages().compactMap { $0.header("Message-ID") }).count
        #expect(before < count, "killed mid-flight: \(before) of \(count) carded")

        let finished = try await Eventually.holds(within: .seconds(150)) { Set(messages().compactMap { $0.header("Message-ID") }).count >= count }
        let took = Date().timeIntervalSince(killedAt)
        #expect(finished, "the other node finished: \(log(secondRoot).suffix(2000))")
        #expect(took < 60 + 30, "within the 60-second lease and a renewal or two: \(took) s")
        #expect(took > 20, "from another machine it cannot see the process is gone: it waits for the lease (\(took) s)")
        try await Task.sleep(for: .seconds(3))
        let all = messages()
        #expect(Set(all.compactMap { $0.header("Message-ID") }).count == count)
        // watch sends up to four cards at once: those the mail server had taken when the kill came, and whose sending
        // the ledger had not yet recorded, go again under their own Message-IDs.
        #expect(all.count <= count + 4, "at most the cards caught mid-send go again: \(all.count) for \(count)")
        #expect(Dictionary(grouping: all.compactMap { $0.header("Message-ID") }, by: { $0 }).values.allSatisfy { $0.count <= 2 }, "none thrice")
        try await stop(second)
    }
}
