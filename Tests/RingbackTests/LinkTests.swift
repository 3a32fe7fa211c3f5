import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Ringback
import RingbackCore
import RingbackCurl
import RingbackTesting
import ServiceLifecycle
import Testing

/// Signed one-click links: GET only asks, POST acts once; tampered, expired and replayed links are refused.
@Suite struct LinkTests {
    static let web = WebConfig(
        publicURL: "https://ringback.example.com", secret: Secret("a-long-test-secret-0123456789"), linkTTL: ConfigDuration(.seconds(86400)))

    @Test func aLinkVerifiesAndAnyChangeToItDoesNot() throws {
        let links = try #require(CallbackLinks(config: Self.web))
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let url = links.url(.done, voicemailID: 12, now: now)
        #expect(url.hasPrefix("https://ringback.example.com/a/"))
        let token = String(url.dropFirst("https://ringback.example.com/a/".count))
        let claim = try links.verify(token, now: now).get()
        #expect(claim.voicemailID == 12)
        #expect(claim.action == .done)

        // Another voicemail's id in the payload, a flipped signature character, another secret: all tampered.
        let pieces = token.split(separator: ".")
        let forged = Data("1.13.done.\(Int(now.timeIntervalSince1970) + 86400).\(claim.nonce)".utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "")
        #expect(links.verify("\(forged).\(pieces[1])", now: now) == .failure(.tampered))
        var signature = Array(pieces[1])
        signature[3] = signature[3] == "A" ? "B" : "A"
        #expect(links.verify("\(pieces[0]).\(String(signature))", now: now) == .failure(.tampered))
        let other = try #require(CallbackLinks(config: WebConfig(publicURL: "https://x.example", secret: Secret("another-secret-0123456789"))))
        #expect(other.verify(token, now: now) == .failure(.tampered))
        #expect(CallbackLinks(config: WebConfig(publicURL: nil, secret: nil)) == nil, "no public_url and secret: no links")
        #expect(links.verify("nonsense", now: now) == .failure(.malformed))
        #expect(links.verify(token, now: now.addingTimeInterval(86401)) == .failure(.expired(now.addingTimeInterval(86400))))
    }

    @Test func openingALinkOnlyAsksAndThePostActsOnce() async throws {
        var harness = try Harness()
        harness.config.web = Self.web
        let pipeline = try harness.pipeline()
        let file = try harness.drop("call.wav", sidecar: AudioFixture.asteriskSidecar())
        let id = try #require(await pipeline.process(file).voicemailID)
        let card = String(decoding: try Data(contentsOf: try #require(try harness.cards().first)), as: UTF8.self)
            .replacingOccurrences(of: "=\r\n", with: "")
        #expect(card.contains("One tap, then confirm:"))
        #expect(!card.contains("ringback callbacks done"), "with links, the card does not send the owner to a command line")
        #expect(card.contains("Ringback callback #\(id)."))
        let link = try #require(card.firstMatch(of: /Called back: (https:\/\/ringback\.example\.com\/a\/[A-Za-z0-9_.\-]+)/)?.1)
        let token = link.dropFirst("https://ringback.example.com/a/".count)

        // Hummingbird's testing client hands requests to the router: no socket needed to check what a page says.
        let server = LinkServer(ledger: pipeline.ledger, web: Self.web, owner: harness.config.owner)
        try await server.application(host: "127.0.0.1", port: 0, logger: Harness.logger).test(.router) { client in
            func request(_ method: HTTPRequest.Method, _ token: Substring) async throws -> TestResponse {
                try await client.execute(uri: "/a/" + token, method: method)
            }
            let page = try await request(.get, token)
            #expect(page.status == .ok)
            #expect(page.text.contains("Mark this callback as called back?"))
            #expect(page.text.contains(#"<form method="post">"#))
            #expect(try await pipeline.ledger.voicemail(id: id)?.callbackState == .open, "a GET (a mail scanner's prefetch) changes nothing")

            let acted = try await request(.post, token)
            #expect(acted.status == .ok)
            #expect(acted.text.contains("Done. Called back"))
            let closed = try #require(try await pipeline.ledger.voicemail(id: id))
            #expect(closed.callbackState == .done)
            #expect(closed.callbackClosedBy == "link")

            let again = try await request(.post, token)
            #expect(again.status == .conflict, "a link acts once")
            #expect(again.text.contains("It acted on "), "\(again.text)")
            // Opened again, it says what it did, by whom and when, instead of asking again.
            let reopened = try await request(.get, token)
            #expect(reopened.status == .conflict)
            #expect(reopened.text.contains("This link was already used"), "\(reopened.text)")
            #expect(!reopened.text.contains(#"<form method="post">"#))
            #expect(reopened.text.contains("is done: closed by a link on "), "\(reopened.text)")
            var tampered = Array(token)
            tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
            let refused = try await request(.post, Substring(String(tampered)))
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("This link is not valid"))
            #expect(refused.headers[.contentType] == "text/html; charset=utf-8", "a refusal is a page like the others")
            #expect(try await request(.get, "garbage").status == .badRequest)
        }

        // /metrics: Prometheus text with the ledger's figures (the one callback is closed now).
        let metricsServer = LinkServer(ledger: pipeline.ledger, web: Self.web, owner: harness.config.owner, metrics: pipeline.metrics)
        try await metricsServer.application(host: "127.0.0.1", port: 0, logger: Harness.logger).test(.router) { client in
            let scrape = try await client.execute(uri: "/metrics", method: .get)
            #expect(scrape.status == .ok)
            #expect(scrape.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(scrape.text.contains(#"ringback_voicemails{state="notified"} 1"#), "\(scrape.text)")
            #expect(scrape.text.contains("ringback_callbacks_open 0"))
            #expect(scrape.text.contains("ringback_callbacks_overdue 0"))
            #expect(scrape.text.contains(#"ringback_outbox_messages{state="failed"} 0"#))
        }

        let later = LinkServer(ledger: pipeline.ledger, web: Self.web, owner: harness.config.owner, now: { Date().addingTimeInterval(15 * 86400) })
        try await later.application(host: "127.0.0.1", port: 0, logger: Harness.logger).test(.router) { client in
            let expired = try await client.execute(uri: "/a/" + token, method: .get)
            #expect(expired.status == .gone)
        }
    }

    /// The listener may face the internet: connections that send nothing are closed after the idle timeout, so a
    /// crowd of them cannot hold descriptors, and the server keeps answering meanwhile.
    /// `/healthz` answers 200 while the ledger answers, and 503 once the ledger file is gone: a proxy takes the node
    /// out of rotation instead of sending it uploads and link taps it cannot record.
    @Test func healthSaysWhetherTheLedgerAnswers() async throws {
        let harness = try Harness(store: .sqlite)  // a file deleted under it; PostgreSQL's case is in SharedLedgerTests
        let ledger = try SQLiteLedger(path: harness.config.ledger)
        let server = LinkServer(ledger: ledger, web: WebConfig(publicURL: nil, secret: nil), owner: harness.config.owner)
        try await server.application(host: "127.0.0.1", port: 0, logger: Harness.logger).test(.router) { client in
            let healthy = try await client.execute(uri: "/healthz", method: .get)
            #expect(healthy.status == .ok)
            #expect(String(buffer: healthy.body) == "ok\n")
            try FileManager.default.removeItem(atPath: harness.config.ledger)
            let gone = try await client.execute(uri: "/healthz", method: .get)
            #expect(gone.status == .serviceUnavailable)
            #expect(String(buffer: gone.body) == "the ledger does not answer (ledger.replaced)\n")
        }
    }

    /// On a shared ledger, `/healthz` says whether this node reaches the database: 503 once it is gone, so a load
    /// balancer stops sending this node uploads and link taps.
    @Test func healthSaysWhetherTheSharedDatabaseAnswers() async throws {
        let server = try PostgresServer.shared()
        let name = try server.createDatabase()
        let ledger = try PostgresLedger(location: PostgresLocation(url: server.url(name)))
        _ = try await ledger.counts()  // migrated, connected
        let owner = OwnerConfig(name: "Acme", email: "owner@example.com", timezone: .gmt)
        let web = LinkServer(ledger: ledger, web: WebConfig(publicURL: nil, secret: nil), owner: owner)
        try await web.application(host: "127.0.0.1", port: 0, logger: Harness.logger).test(.router) { client in
            let healthy = try await client.execute(uri: "/healthz", method: .get)
            #expect(healthy.status == .ok)
            try server.psql("DROP DATABASE \(name) WITH (FORCE)")
            let gone = try await client.execute(uri: "/healthz", method: .get)
            #expect(gone.status == .serviceUnavailable)
            #expect(String(buffer: gone.body).hasPrefix("the ledger does not answer (ledger."), "\(String(buffer: gone.body))")
        }
    }

    @Test func idleConnectionsAreClosedAndTheServerKeepsAnswering() async throws {
        let harness = try Harness()
        let pipeline = try harness.pipeline()
        _ = try await pipeline.ledger.counts()  // opened (on PostgreSQL: migrated) before the one-second idle timeout counts
        let server = LinkServer(ledger: pipeline.ledger, web: Self.web, owner: harness.config.owner)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = server.application(host: "127.0.0.1", port: 0, logger: Harness.logger, idleTimeout: .seconds(1)) { portSink.yield($0) }
        let running = Task { try await app.run() }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        // 300 connections that never send a byte: how many has the server closed within 30 s? (Each should go a
        // second after it was accepted; on a loaded machine the last connects themselves can take seconds.)
        let script = """
            import select, socket, sys, time
            held = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(300)]
            open_ones, deadline = set(held), time.time() + 30
            while open_ones and time.time() < deadline:
                readable, _, _ = select.select(list(open_ones), [], [], 0.5)
                for s in readable:
                    try:
                        ended = s.recv(1) == b""
                    except ConnectionResetError:
                        ended = True
                    if ended:
                        open_ones.discard(s)
            print(len(held) - len(open_ones))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, String(port)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let health = try await HTTPClient().perform(RingbackCurl.HTTPRequest(url: "http://127.0.0.1:\(port)/healthz"))
        #expect(health.status == 200, "the server answers while they are held")
        process.waitUntilExit()
        let closed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(closed == "300", "every idle connection was closed by the server")
    }

    @Test func metricsCountTranscriptionAttemptsAndTheirLatency() async throws {
        let harness = try Harness()
        let standIn = try OpenAITranscriptionStandIn()
        defer { standIn.stop() }
        standIn.enqueue(.respond(.json(401, #"{"error":{"message":"bad key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#)))
        let pipeline = try harness.pipeline(transcriber: harness.openAI(standIn))
        let file = try harness.drop("call.wav")
        #expect(await pipeline.process(file).status == .notified)  // card without transcript
        #expect(await pipeline.process(file).status == .followedUp)
        let text = await pipeline.metrics.scrape(ledger: pipeline.ledger, now: Date())
        #expect(text.contains(#"ringback_transcription_attempts_total{engine="openai:whisper-1",result="error"} 1"#), "\(text)")
        #expect(text.contains(#"ringback_transcription_attempts_total{engine="openai:whisper-1",result="ok"} 1"#))
        #expect(text.contains(#"ringback_transcription_seconds_count{engine="openai:whisper-1"} 2"#))
        #expect(text.contains(#"ringback_voicemails{state="notified"} 1"#))
        #expect(text.contains("ringback_callbacks_open 1"))
        #expect(text.contains(#"ringback_caller_texts{state="ambiguous"} 0"#))
        #expect(text.contains(#"ringback_webhook_deliveries{state="queued"} 0"#))
    }

    /// "Spam" on a card closes the callback and blocks the number: its next call gets no card. "Not spam" undoes both.
    @Test func theSpamLinkBlocksTheNumberAndNotSpamUndoesIt() async throws {
        var configured = try Harness()
        configured.config.web = Self.web
        let harness = configured
        let pipeline = try harness.pipeline()
        let id = try #require(await pipeline.process(try harness.drop("call.wav", sidecar: AudioFixture.asteriskSidecar())).voicemailID)
        let card = String(decoding: try Data(contentsOf: try #require(try harness.cards().first)), as: UTF8.self)
            .replacingOccurrences(of: "=\r\n", with: "")
        let link = try #require(card.firstMatch(of: /Spam: (https:\/\/ringback\.example\.com\/a\/[A-Za-z0-9_.\-]+)/)?.1)
        let links = try #require(CallbackLinks(config: Self.web))
        let server = LinkServer(ledger: pipeline.ledger, web: Self.web, owner: harness.config.owner, callbacks: harness.config.callbacks)
        try await server.application(host: "127.0.0.1", port: 0, logger: Harness.logger).test(.router) { client in
            let acted = try await client.execute(uri: "/a/" + link.dropFirst("https://ringback.example.com/a/".count), method: .post)
            #expect(acted.status == .ok)
            let closed = try #require(try await pipeline.ledger.voicemail(id: id))
            #expect(closed.callbackState == .noCallbackNeeded)
            #expect(closed.spamReason == "marked as spam with a link")
            #expect(try await pipeline.ledger.isBlocked("+15551230000"))

            // Her next voicemail is held back: no second card.
            let next = try harness.drop(
                "call2.wav", seconds: 2.5, sidecar: AudioFixture.asteriskSidecar(msgID: "1790054687-00000009"))
            let outcome = await pipeline.process(next)
            #expect(outcome.status == .withheld)
            #expect(try harness.cards().count == 1)

            let heldID = try #require(outcome.voicemailID)
            let undo = links.url(.notSpam, voicemailID: heldID, now: Date())
            #expect(try await client.execute(uri: "/a/" + undo.dropFirst("https://ringback.example.com/a/".count), method: .post).status == .ok)
            #expect(try await pipeline.ledger.isBlocked("+15551230000") == false)
            let reopened = try #require(try await pipeline.ledger.voicemail(id: heldID))
            #expect(reopened.callbackState == .open)
            #expect(reopened.dueAt > Date(), "a fresh deadline, counted from the tap")
        }
        #expect(await pipeline.process(harness.spool.appendingPathComponent("call2.wav")).status == .notified)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

}
