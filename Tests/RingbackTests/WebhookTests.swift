import Foundation
import Ringback
import RingbackCore
import RingbackTesting
import Synchronization
import Testing

/// Standard Webhooks events through the ledger's durable outbox, to a loopback receiver; signatures checked by
/// Python's `hmac`, payloads by Python's `jsonschema` against `docs/webhooks.schema.json`.
@Suite struct WebhookTests {
    /// A receiver that takes everything, or answers 503 while `down`.
    final class Receiver: Sendable {
        final class Switch: Sendable {
            let isDown = Mutex(false)
        }
        let power = Switch()
        let standIn: HTTPStandIn

        init() throws {
            let power = self.power
            standIn = try HTTPStandIn { _ in
                power.isDown.withLock { $0 } ? .respond(.json(503, #"{"error":"maintenance"}"#)) : .respond(.json(200, "{}"))
            }
        }

        func down(_ value: Bool) { power.isDown.withLock { $0 = value } }

        var url: String { standIn.baseURL + "/hooks/ringback" }
        var requests: [HTTPStandIn.Request] { standIn.requests }
        /// The event type of every request, tries included, in order.
        var types: [String] { requests.compactMap { (try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any])?["type"] as? String } }
    }

    static let secret = "whsec_" + Data("0123456789abcdef0123456789abcdef".utf8).base64EncodedString()

    /// Errors `jsonschema` (Draft 2020-12, with formats) finds in `bodies` against the committed schema; empty when valid.
    static func schemaErrors(_ bodies: [Data]) throws -> [String] {
        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/webhooks.schema.json").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            "-c",
            """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
            for index, line in enumerate(sys.stdin.read().splitlines()):
                for error in validator.iter_errors(json.loads(line)):
                    print(f"{index}: {list(error.absolute_path)}: {error.message}")
            """,
            schema,
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(bodies.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n").utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return text.split(separator: "\n").map(String.init) + (process.terminationStatus == 0 ? [] : ["python exited \(process.terminationStatus)"])
    }

    @Test func aVoicemailsEventsReachTheReceiverSignedOnceEachAndSurviveAnOutage() async throws {
        let receiver = try Receiver()
        defer { receiver.standIn.stop() }
        let twilio = try TwilioStandIn()
        defer { twilio.stop() }
        let engine = try OpenAITranscriptionStandIn(transcript: "Hi, it's Maria Lopez, the kitchen tap is leaking, please call me back.")
        defer { engine.stop() }
        var harness = try Harness()
        harness.config.callerTexts = CallerTextsConfig(
            provider: .init(kind: .twilio, url: twilio.url, accountSID: twilio.accountSID, token: Secret("twilio-test-token"), from: "+15550001111"))
        harness.config.webhooks = [WebhookEndpointConfig(url: receiver.url, secret: Secret(Self.secret))]
        harness.config.callbacks.businessHours = try BusinessHours.parse(["mon-fri": "08:00-17:00"])
        let clock = TestClock(Chicago.date("2026-11-24 08:32"))
        let pipeline = try harness.pipeline(transcriber: harness.openAI(engine), now: { clock.now })
        let other = try harness.pipeline(transcriber: harness.openAI(engine), now: { clock.now })  // a second process on the ledger

        let origtime = Int(Chicago.date("2026-11-24 08:31").timeIntervalSince1970)
        let file = try harness.drop(
            "msg0000.wav", sidecar: AudioFixture.asteriskSidecar(callerID: #""Maria Lopez" <+15551230000>"#, origtime: origtime, msgID: "\(origtime)-1"))
        let id = try #require(await pipeline.process(file).voicemailID)
        async let a = pipeline.sendWebhooks()
        async let b = other.sendWebhooks()
        let (first, second) = await (a, b)
        #expect(first.recorded + second.recorded == 5, "each event recorded once, whichever process saw it")
        // Two processes record at once, so the five may interleave; each arrives once.
        #expect(receiver.types.sorted() == ["callback.opened", "caller_text.sent", "card.sent", "transcript.ready", "voicemail.received"])
        #expect(Set(receiver.requests.compactMap { $0.header("webhook-id") }).count == 5)
        #expect(await pipeline.sendWebhooks() == .init(), "nothing new, nothing owed")

        // The receiver is down: the deadline nears (30 min before, no remind_before set), then passes.
        receiver.down(true)
        clock.advance(by: Chicago.date("2026-11-24 12:02").timeIntervalSince(clock.now))
        #expect(await pipeline.sendWebhooks() == .init(recorded: 1, tried: 1, delivered: 0))
        clock.advance(by: 30 * 60)
        #expect(await pipeline.sendWebhooks() == .init(recorded: 1, tried: 1, delivered: 0), "one try a look while it is down")
        let queued = try await pipeline.ledger.webhookDeliveries(.unsent, limit: 10)
        #expect(queued.map(\.type) == ["callback.overdue", "callback.due_soon"])
        #expect(queued.last?.attempts == 2)
        #expect(queued.last?.lastError == "127.0.0.1 answered HTTP 503")
        let scrape = await pipeline.metrics.scrape(ledger: pipeline.ledger, now: clock.now)
        #expect(scrape.contains(#"ringback_webhook_deliveries{state="queued"} 2"#), "an operator sees the backlog")
        receiver.down(false)
        clock.advance(by: 6 * 60)
        #expect(await pipeline.sendWebhooks() == .init(recorded: 0, tried: 2, delivered: 2))
        #expect(try await pipeline.ledger.webhookDeliveries(.unsent, limit: 10).isEmpty)

        // The owner calls back; a second endpoint, configured now for closings only, hears this one and nothing older.
        let late = try Receiver()
        defer { late.standIn.stop() }
        var config = harness.config
        config.webhooks.append(WebhookEndpointConfig(url: late.url, secret: Secret("a plain secret of enough length"), events: [.callbackClosed]))
        harness.config = config
        let later = try harness.pipeline(transcriber: harness.openAI(engine), now: { clock.now })
        await later.sendWebhooks()
        clock.advance(by: 60)
        _ = try await later.ledger.changeCallback(id: id, .done, by: .cli, at: clock.now)
        #expect(await later.sendWebhooks().delivered == 2)
        #expect(late.types == ["callback.closed"])
        // The five; due_soon three times (refused twice); overdue once (not tried while due_soon failed); the closing.
        #expect(receiver.types.dropFirst(5) == ["callback.due_soon", "callback.due_soon", "callback.due_soon", "callback.overdue", "callback.closed"])

        // Every request, on both endpoints: signed as Standard Webhooks says, the same id on every try of an event.
        for (endpoint, secret) in [(receiver, Self.secret), (late, "a plain secret of enough length")] {
            for request in endpoint.requests {
                let webhookID = try #require(request.header("webhook-id"))
                let timestamp = try #require(request.header("webhook-timestamp"))
                let expected = try CallerTextTests.pythonStandardWebhooksSignature(
                    secret: secret.hasPrefix("whsec_") ? secret : "whsec_" + Data(secret.utf8).base64EncodedString(), id: webhookID, timestamp: timestamp,
                    body: request.body)
                #expect(request.header("webhook-signature") == "v1," + expected)
                #expect(request.header("Content-Type")?.hasPrefix("application/json") == true)
            }
        }
        let byID = Dictionary(grouping: receiver.requests) { $0.header("webhook-id") ?? "" }
        let retried = try #require(byID.values.first { $0.count == 3 })
        #expect(Set(retried.map(\.body)).count == 1, "a repeat is the same bytes under the same id")
        #expect(Set(retried.compactMap { $0.header("webhook-timestamp") }).count == 3, "each try signed at its own time")

        // Every payload matches the published schema, and says what a receiver needs.
        let bodies = receiver.requests.map(\.body) + late.requests.map(\.body)
        #expect(try Self.schemaErrors(bodies) == [])
        let closing = try #require(late.requests.first)
        let closed = try #require(try JSONSerialization.jsonObject(with: closing.body) as? [String: Any])
        let data = try #require(closed["data"] as? [String: Any])
        #expect((data["closed"] as? [String: Any])?["how"] as? String == "done")
        #expect((data["caller"] as? [String: Any])?["number"] as? String == "+15551230000")
        #expect(data["state"] as? String == "done")
        let transcript = try #require(
            receiver.requests.lazy.compactMap { try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any] }.first {
                $0["type"] as? String == "transcript.ready"
            }?["data"] as? [String: Any])
        #expect((transcript["transcript"] as? [String: Any])?["trust"] as? String == "machine")
        let text = try #require(
            receiver.requests.lazy.compactMap { try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any] }.first {
                $0["type"] as? String == "caller_text.sent"
            }?["data"] as? [String: Any])
        #expect((text["text"] as? [String: Any])?["body"] as? String == twilio.received.first?.body)
    }

    @Test func theReadmeExampleParsesAsWritten() throws {
        let block = try ReadmeExampleTests.example("webhooks")
        let config = try PipelineConfig.parse(ConfigTests.minimal + "\n" + block, environment: ["CRM_WEBHOOK_SECRET": "whsec_MDEyMzQ1Njc4OWFiY2RlZg=="])
        #expect(config.webhooks.map(\.url) == ["https://crm.acme.example/hooks/ringback"])
        #expect(config.webhooks.first?.events == [.callbackOpened, .callbackClosed, .callerTextSent])
        #expect(config.literalSecrets.isEmpty)
    }

    @Test func theSchemaCheckCatchesAPayloadThatBreaksIt() throws {
        // The validator is real: a payload missing its data's caller is refused.
        let broken = Data(#"{"type":"card.sent","timestamp":"2026-11-24T14:32:05Z","data":{"voicemail_id":1}}"#.utf8)
        #expect(try !Self.schemaErrors([broken]).isEmpty)
    }

    @Test func aWebhookWithoutASecretOrWithAnUnknownEventIsRefusedByName() throws {
        func parse(_ yaml: String) -> String {
            do {
                _ = try PipelineConfig.parse(ConfigTests.minimal + "\n" + yaml)
                return "parsed"
            } catch {
                return "\(error)"
            }
        }
        #expect(parse("webhooks:\n  - { url: \"https://crm.example.com/in\" }\n").contains("webhooks[0].secret"))
        #expect(parse("webhooks:\n  - { url: \"http://crm.example.com/in\", secret: \"0123456789abcdef\" }\n").contains("must be https://"))
        let unknown = parse("webhooks:\n  - { url: \"https://crm.example.com/in\", secret: \"0123456789abcdef\", events: [card.sent, card.opened] }\n")
        #expect(unknown.contains("\"card.opened\" is not an event"), "\(unknown)")
        let twice = parse(
            "webhooks:\n  - { url: \"https://crm.example.com/in?key=s3cret\", secret: \"0123456789abcdef\" }\n"
                + "  - { url: \"https://crm.example.com/in?key=s3cret\", secret: \"0123456789abcdef\" }\n")
        #expect(twice.contains("webhooks[1].url"))
        #expect(!twice.contains("s3cret"), "a key in the URL is never printed")
        #expect(
            WebhookEndpointConfig(url: "https://crm.example.com/in?key=s3cret", secret: Secret("0123456789abcdef")).name.hasPrefix(
                "https://crm.example.com/in?"))
        #expect(!WebhookEndpointConfig(url: "https://crm.example.com/in?key=s3cret", secret: Secret("0123456789abcdef")).name.contains("s3cret"))
    }
}
