import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ringback
import RingbackCore
import RingbackTesting
import Synchronization
import Testing

/// Texts to callers with the time they will be called back, through loopback stand-ins that enforce Twilio's and
/// Telnyx's documented contracts.
@Suite struct CallerTextTests {
    struct Setup {
        var harness: Harness
        let clock: TestClock
        let twilio: TwilioStandIn

        init(now: String, businessHours: Bool = false, configure: (inout CallerTextsConfig) -> Void = { _ in }) throws {
            var harness = try Harness()
            twilio = try TwilioStandIn()
            var texts = CallerTextsConfig(
                provider: .init(
                    kind: .twilio, url: twilio.url, accountSID: twilio.accountSID, token: Secret("twilio-test-token"), from: "+15550001111",
                    timeout: ConfigDuration(.seconds(2))))
            configure(&texts)
            harness.config.callerTexts = texts
            if businessHours { harness.config.callbacks.businessHours = try BusinessHours.parse(["mon-fri": "08:00-17:00"]) }
            self.harness = harness
            clock = TestClock(Chicago.date(now))
        }

        func pipeline(transcriber: (any Transcriber)? = nil) throws -> VoicemailPipeline {
            try harness.pipeline(transcriber: transcriber, now: { [clock] in clock.now })
        }

        /// Every text in the ledger, oldest first.
        func texts() async throws -> [CallerTextRecord] {
            try await pipeline().ledger.texts(limit: 100).reversed()
        }

        /// The newest card's plain text.
        func lastCard() throws -> String {
            let file = try #require(harness.cards().last)
            return try MIMEParts.text(of: file)
        }

        /// A voicemail from `caller` left at `time` (Chicago), texted (the caller's first text goes before the card) and carded.
        @discardableResult
        func voicemail(_ name: String, caller: String = #""Maria Lopez" <+15551230000>"#, at time: String) async throws -> Int64 {
            let origtime = Int(Chicago.date(time).timeIntervalSince1970)
            let file = try harness.drop(
                name, seconds: 2 + Double(origtime % 97) / 100,
                sidecar: AudioFixture.asteriskSidecar(callerID: caller, origtime: origtime, msgID: "\(origtime)-\(name)"))
            let outcome = try await pipeline().process(file)
            #expect(outcome.status == .notified)
            return try #require(outcome.voicemailID)
        }
    }

    @Test func aVoicemailTextsTheCallerTheTimeTheyWillBeCalledOnce() async throws {
        let setup = try Setup(now: "2026-11-24 08:32")
        defer { setup.twilio.stop() }
        try await setup.voicemail("msg0000.wav", at: "2026-11-24 08:31")
        let pipeline = try setup.pipeline()
        let texts = try await setup.texts()
        #expect(texts.map(\.state) == [.sent])
        #expect(setup.twilio.violations.isEmpty, "\(setup.twilio.violations)")
        #expect(
            setup.twilio.received.map(\.body) == ["Thanks for calling Acme Plumbing. We got your message and will call you back by 12:31 PM today."])
        #expect(setup.twilio.received.first?.to == "+15551230000")
        #expect(setup.twilio.received.first?.from == "+15550001111")
        #expect(texts.first?.providerID == setup.twilio.received.first?.sid)
        // The text goes just before the card, so the card says what the caller was told.
        #expect(
            try setup.lastCard().contains(
                "The caller:   Texted 8:32 AM: “Thanks for calling Acme Plumbing. We got your message and will call you back by 12:31 PM today.”"))
        setup.clock.advance(by: 120)
        #expect(await pipeline.sendCallerTexts().isEmpty, "once per callback")
        #expect(setup.twilio.requests.count == 1)
        // The digest tells the owner what the caller was promised.
        let digest = try await pipeline.digest().plainText
        #expect(digest.contains("    Texted 8:32 AM: “Thanks for calling Acme Plumbing. We got your message and will call you back by 12:31 PM today.”"))
    }

    @Test func theCooldownOptOutsAndOldCallsGetNoText() async throws {
        let setup = try Setup(now: "2026-11-24 08:32")
        defer { setup.twilio.stop() }
        let first = try await setup.voicemail("msg0000.wav", at: "2026-11-24 08:31")
        let pipeline = try setup.pipeline()
        _ = try await pipeline.ledger.changeCallback(id: first, .done, by: .cli, at: setup.clock.now)
        // She calls again at 10:00: a new callback, but she was texted at 8:32.
        setup.clock.advance(by: 90 * 60)
        let second = try await setup.voicemail("msg0001.wav", at: "2026-11-24 10:00")
        let again = try await pipeline.ledger.texts(voicemailID: second)
        #expect(again.map(\.state) == [.skipped])
        #expect(again.first?.reason?.contains("within caller_texts.cooldown") == true, "\(again.first?.reason ?? "")")
        // Bob opted out; a batch of last month's voicemails texts nobody.
        try await pipeline.ledger.optOut("+17135550188", source: "cli", at: setup.clock.now)
        try await setup.voicemail("msg0002.wav", caller: "<+17135550188>", at: "2026-11-24 10:05")
        try await setup.voicemail("msg0003.wav", caller: "<+13125550142>", at: "2026-10-20 09:00")
        #expect(await pipeline.sendCallerTexts().isEmpty)
        let rest = try await setup.texts().dropFirst(2)
        #expect(rest.map(\.state) == [.skipped], "last month's call gets no text at all")
        #expect(rest.first?.reason == "the caller opted out of texts")
        #expect(setup.twilio.received.count == 1)
    }

    @Test func anAfterHoursMissedCallIsToldTomorrowAndQuietHoursWaitForTheMorning() async throws {
        let setup = try Setup(now: "2026-11-23 22:10", businessHours: true) { $0.quietHours = QuietHours(parsing: "21:00-08:00") }
        defer { setup.twilio.stop() }
        try await setup.voicemail("msg0000.wav", at: "2026-11-23 22:05")  // Monday night: due Tuesday 12:00
        let pipeline = try setup.pipeline()
        let night = try await setup.texts()
        #expect(night.map(\.state) == [.waiting])
        #expect(night.first?.reason == "quiet hours until 8:00 AM")
        #expect(setup.twilio.requests.isEmpty)
        setup.clock.advance(by: Chicago.date("2026-11-24 08:00").timeIntervalSince(setup.clock.now))
        let morning = await pipeline.sendCallerTexts()
        #expect(morning.map(\.state) == [.sent])
        #expect(setup.twilio.received.map(\.body) == ["Thanks for calling Acme Plumbing. We are closed now; we will call you back by 12:00 PM today."])
        #expect(try setup.lastCard().contains("The caller:   Text waiting: quiet hours until 8:00 AM"))
    }

    @Test func aTimeoutAfterTheRequestWentOutIsShownNotResentAndA503IsRetried() async throws {
        let setup = try Setup(now: "2026-11-24 08:32")
        defer { setup.twilio.stop() }
        setup.twilio.enqueue(.hang(.seconds(5)))  // Maria's: the request arrives, no answer within the 2 s timeout
        setup.twilio.enqueue(.respond(.json(503, #"{"code": 20503, "message": "Service unavailable", "status": 503}"#)))
        try await setup.voicemail("msg0000.wav", at: "2026-11-24 08:31")
        #expect(try setup.lastCard().contains("The caller:   Texted 8:32 AM, unconfirmed"), "the card went all the same")
        try await setup.voicemail("msg0001.wav", caller: "<+13125550142>", at: "2026-11-24 08:31")
        let pipeline = try setup.pipeline()
        let first = try await setup.texts()
        #expect(first.map(\.state) == [.ambiguous, .waiting])
        #expect(first.first?.reason?.contains("it may have reached the caller, so it is not sent again") == true)
        setup.clock.advance(by: 61)
        let retried = await pipeline.sendCallerTexts()
        #expect(retried.map(\.state) == [.sent])
        #expect(setup.twilio.received.map(\.to) == ["+13125550142"], "Maria's is never sent again")
        #expect(setup.twilio.requests.count == 3)
        #expect(try await pipeline.digest().plainText.contains("Texted 8:32 AM, unconfirmed (the provider did not answer; it may not have arrived)"))
        #expect(await pipeline.metrics.scrape(ledger: pipeline.ledger, now: setup.clock.now).contains(#"ringback_caller_texts{state="ambiguous"} 1"#))
    }

    @Test func aTextLeftSendingByACrashIsAmbiguousAndTwilioOptOutsStick() async throws {
        var setup = try Setup(now: "2026-11-24 08:32")
        defer { setup.twilio.stop() }
        // Carded while texts were off; then a process reserved its text and died while sending it.
        let texts = setup.harness.config.callerTexts
        setup.harness.config.callerTexts = nil
        let id = try await setup.voicemail("msg0000.wav", at: "2026-11-24 08:31")
        setup.harness.config.callerTexts = texts
        let pipeline = try setup.pipeline()
        var crashed = CallerTextRecord(voicemailID: id, kind: "first", number: "+15551230000", state: .sending, at: setup.clock.now)
        crashed.body = "Thanks for calling…"
        _ = try await pipeline.ledger.reserveText(crashed)
        setup.clock.advance(by: 300)
        #expect(await pipeline.sendCallerTexts().map(\.state) == [.ambiguous])
        #expect(setup.twilio.requests.isEmpty)

        let optedOut = try TwilioStandIn(optedOut: ["+13125550142"])
        defer { optedOut.stop() }
        var other = try Setup(now: "2026-11-24 08:32")
        other.harness.config.callerTexts?.provider.url = optedOut.url
        try await other.voicemail("msg0000.wav", caller: "<+13125550142>", at: "2026-11-24 08:31")
        let refused = try await other.texts()
        #expect(refused.map(\.state) == [.refused])
        #expect(try await other.pipeline().ledger.isOptedOut("+13125550142"), "Twilio's 21610: opted out here too")
    }

    /// A business name with an accent, an ampersand and a plus sign reaches Twilio intact through the form encoding.
    @Test func theWordingIsFormEncodedExactly() async throws {
        var setup = try Setup(now: "2026-11-24 08:32")
        defer { setup.twilio.stop() }
        setup.harness.config.owner.name = "Café & Plumbing+"
        try await setup.voicemail("msg0000.wav", at: "2026-11-24 08:31")
        #expect(setup.twilio.received.first?.body == "Thanks for calling Café & Plumbing+. We got your message and will call you back by 12:31 PM today.")
        #expect(setup.twilio.violations.isEmpty)
    }

    @Test func telnyxAndDryRunWork() async throws {
        let telnyx = try TelnyxStandIn()
        defer { telnyx.stop() }
        var setup = try Setup(now: "2026-11-24 08:32")
        setup.twilio.stop()
        setup.harness.config.callerTexts?.provider = .init(
            kind: .telnyx, url: telnyx.url, token: Secret("KEY0123456789"), from: "+15550001111", timeout: ConfigDuration(.seconds(2)))
        try await setup.voicemail("msg0000.wav", at: "2026-11-24 08:31")
        #expect(try await setup.texts().map(\.state) == [.sent])
        #expect(telnyx.violations.isEmpty, "\(telnyx.violations)")
        #expect(telnyx.received.map(\.text) == ["Thanks for calling Acme Plumbing. We got your message and will call you back by 12:31 PM today."])

        var dry = try Setup(now: "2026-11-24 08:32") { $0.dryRun = true }
        defer { dry.twilio.stop() }
        dry.harness.config.callerTexts?.dryRun = true
        try await dry.voicemail("msg0000.wav", at: "2026-11-24 08:31")
        let logged = try await dry.texts()
        #expect(logged.map(\.state) == [.dryRun])
        #expect(logged.first?.body?.hasSuffix("by 12:31 PM today.") == true)
        #expect(dry.twilio.requests.isEmpty)
    }

    @Test func thePromiseIsSaidTheWayPeopleSayIt() {
        let now = Chicago.date("2026-11-24 08:32")  // a Tuesday
        func phrase(_ time: String) -> String { CallbackPromise.phrase(Chicago.date(time), now: now, timeZone: Chicago.zone) }
        #expect(phrase("2026-11-24 15:00") == "by 3:00 PM today")
        #expect(phrase("2026-11-25 10:00") == "by 10:00 AM tomorrow")
        #expect(phrase("2026-11-30 11:30") == "by Monday 11:30 AM")
        #expect(phrase("2026-12-03 09:00") == "by Thu Dec 3, 9:00 AM")
    }
}

extension CallerTextTests {
    /// The README's example parses as written, and a missed call at 09:10 is told "by 1:10 PM today".
    @Test func theReadmeExampleParsesAndAMissedCallIsToldItsTime() async throws {
        let block = try ReadmeExampleTests.example("caller-texts")
        let config = try PipelineConfig.parse(ConfigTests.minimal + "\n" + block, environment: ["TWILIO_AUTH_TOKEN": "twilio-test-token"])
        let texts = try #require(config.callerTexts)
        #expect(texts.provider.kind == .twilio)
        #expect(texts.quietHours == QuietHours(parsing: "21:00-08:00"))
        #expect(texts.maxAge.seconds == 3 * 3600)
        #expect(!config.literalSecrets.contains("caller_texts.provider.auth_token"))

        var setup = try Setup(now: "2026-11-24 09:11", businessHours: true)
        defer { setup.twilio.stop() }
        setup.harness.config.callbacks.cdr = CDRConfig(
            path: setup.harness.folder.url.appendingPathComponent("Master.csv").path, timezone: Chicago.zone, voicemailWait: ConfigDuration(.zero))
        try Data(
            AsteriskCDR.row(
                src: "3105550123", clid: #""Chen Wei" <3105550123>"#, lastapp: "Dial", start: "2026-11-24 09:10:00", duration: 20, billsec: 0,
                disposition: "NO ANSWER", uniqueid: "1795446600.41"
            ).utf8
        ).write(to: URL(fileURLWithPath: try #require(setup.harness.config.callbacks.cdr?.path)))
        let pipeline = try setup.pipeline()
        try await CallRecordSync(
            config: try #require(setup.harness.config.callbacks.cdr), pipeline: setup.harness.config, ledger: pipeline.ledger, logger: Harness.logger,
            now: { [clock = setup.clock] in clock.now }
        ).sync()
        await pipeline.sendOwedCards()
        #expect(try await setup.texts().map(\.state) == [.sent])
        #expect(
            setup.twilio.received.map(\.body) == ["Thanks for calling Acme Plumbing. Sorry we missed your call; we will call you back by 1:10 PM today."])
    }
}

extension CallerTextTests {
    /// Base64 HMAC-SHA1 by Python's `hmac`: an implementation of Twilio's signature that is not Ringback's.
    static func pythonTwilioSignature(token: String, signed: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            "-c",
            "import base64,hashlib,hmac,sys; print(base64.b64encode(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha1).digest()).decode())",
            token, signed,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// STOP by Twilio's inbound webhook opts the sender out; a forged request (wrong signature) changes nothing.
    @Test func stopThroughTwilioSignedWebhookOptsOutAndAForgedOneIsRefused() async throws {
        let harness = try Harness()
        let ledger = try LedgerStore.open(harness.config)
        let texts = CallerTextsConfig(
            provider: .init(kind: .twilio, url: "https://api.twilio.com", accountSID: "AC1", token: Secret("twilio-test-token"), from: "+15550001111"))
        let web = WebConfig(publicURL: "https://ringback.example.com", secret: Secret("a-long-test-secret-0123456789"))
        let server = LinkServer(ledger: ledger, web: web, owner: harness.config.owner, callerTexts: texts)
        @Sendable func form(_ from: String, _ body: String) -> (body: String, signed: String) {
            let pairs = [("AccountSid", "AC1"), ("Body", body), ("From", from), ("MessageSid", "SM1"), ("To", "+15550001111")]
            let encoded = pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }.joined(separator: "&")
            return (encoded, "https://ringback.example.com/v1/texts/twilio" + pairs.map { $0.0 + $0.1 }.joined())
        }
        try await server.application(host: "127.0.0.1", port: 0, logger: Harness.logger).test(.router) { client in
            func post(_ body: String, signature: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/texts/twilio", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Twilio-Signature")!: signature],
                    body: ByteBuffer(string: body))
            }
            let stop = form("+15551230000", "Stop")
            let forged = try await post(stop.body, signature: try Self.pythonTwilioSignature(token: "another-token", signed: stop.signed))
            #expect(forged.status == .forbidden)
            #expect(try await ledger.isOptedOut("+15551230000") == false)
            let genuine = try await post(stop.body, signature: try Self.pythonTwilioSignature(token: "twilio-test-token", signed: stop.signed))
            #expect(genuine.status == .ok)
            #expect(try await ledger.isOptedOut("+15551230000"))
            let thanks = form("+13125550142", "Thanks, talk soon")
            #expect(try await post(thanks.body, signature: try Self.pythonTwilioSignature(token: "twilio-test-token", signed: thanks.signed)).status == .ok)
            #expect(try await ledger.isOptedOut("+13125550142") == false)
        }
    }

    /// STOP by Telnyx's inbound webhook, signed with Ed25519 over `timestamp|body`: opted out; a replayed (old) or
    /// altered request is refused.
    @Test func stopThroughTelnyxSignedWebhookOptsOutAndReplaysAreRefused() async throws {
        let harness = try Harness()
        let ledger = try LedgerStore.open(harness.config)
        let key = Curve25519.Signing.PrivateKey()
        var provider = CallerTextsConfig.Provider(kind: .telnyx, url: "https://api.telnyx.com", token: Secret("KEY1"), from: "+15550001111")
        provider.publicKey = key.publicKey.rawRepresentation.base64EncodedString()
        let privateBytes = key.rawRepresentation  // the key itself is not Sendable
        let server = LinkServer(
            ledger: ledger, web: WebConfig(publicURL: "https://ringback.example.com", secret: Secret("a-long-test-secret-0123456789")),
            owner: harness.config.owner, callerTexts: CallerTextsConfig(provider: provider))
        let body = #"{"data":{"event_type":"message.received","payload":{"from":{"phone_number":"+15551230000"},"text":"STOP"}}}"#
        try await server.application(host: "127.0.0.1", port: 0, logger: Harness.logger).test(.router) { client throws in
            func post(_ body: String, at time: Date, signing signed: String? = nil) async throws -> TestResponse {
                let timestamp = "\(Int(time.timeIntervalSince1970))"
                let signature = try Curve25519.Signing.PrivateKey(rawRepresentation: privateBytes).signature(
                    for: Data("\(timestamp)|\(signed ?? body)".utf8)
                ).base64EncodedString()
                return try await client.execute(
                    uri: "/v1/texts/telnyx", method: .post,
                    headers: [
                        .contentType: "application/json", HTTPField.Name("telnyx-signature-ed25519")!: signature,
                        HTTPField.Name("telnyx-timestamp")!: timestamp,
                    ], body: ByteBuffer(string: body))
            }
            #expect(try await post(body, at: Date().addingTimeInterval(-600)).status == .forbidden, "a replay ten minutes later")
            #expect(try await post(body, at: Date(), signing: body.replacingOccurrences(of: "STOP", with: "HI")).status == .forbidden)
            #expect(try await ledger.isOptedOut("+15551230000") == false)
            #expect(try await post(body, at: Date()).status == .ok)
            #expect(try await ledger.isOptedOut("+15551230000"))
        }
    }
}

extension CallerTextTests {
    /// An urgent callback texts the owner too, once, with the caller and the first words of what they said.
    @Test func anUrgentCallTextsTheOwnerOnce() async throws {
        let standIn = try OpenAITranscriptionStandIn(transcript: "It's Maria Lopez, a pipe burst in the basement and water is everywhere, please come now.")
        defer { standIn.stop() }
        var setup = try Setup(now: "2026-11-24 08:32") { $0.urgentTextTo = ["+15550009999"] }
        defer { setup.twilio.stop() }
        setup.harness.config.callerTexts?.urgentTextTo = ["+15550009999"]
        let pipeline = try setup.pipeline(transcriber: setup.harness.openAI(standIn))
        let origtime = Int(Chicago.date("2026-11-24 08:31").timeIntervalSince1970)
        let file = try setup.harness.drop("msg0000.wav", sidecar: AudioFixture.asteriskSidecar(origtime: origtime, msgID: "\(origtime)-1", flag: "Urgent"))
        #expect(await pipeline.process(file).status == .notified)
        #expect(try await setup.texts().map(\.kind) == ["first"], "the caller's text goes before the card")
        #expect(await pipeline.sendCallerTexts().map(\.kind) == ["urgent:+15550009999"])
        let owner = try #require(setup.twilio.received.first { $0.to == "+15550009999" })
        #expect(
            owner.body
                == "URGENT call for Acme Plumbing: Maria Lopez · (555) 123-0000 at 8:31 AM. “It's Maria Lopez, a pipe burst in the basement and water is everywhere, please come …” Call back by 9:31 AM."
        )
        #expect(setup.twilio.received.contains { $0.to == "+15551230000" && $0.body.hasSuffix("by 9:31 AM today.") })
        setup.clock.advance(by: 60)
        #expect(await pipeline.sendCallerTexts().isEmpty)
        #expect(setup.twilio.received.count == 2)
    }
}

extension CallerTextTests {
    /// Two looks at once (the watcher after a card, the 30-second tick; or two processes) at texts held overnight by
    /// quiet hours: each caller is texted once.
    @Test func twoLooksAtOnceTextEachCallerOnce() async throws {
        let setup = try Setup(now: "2026-11-23 22:40", businessHours: true) { $0.quietHours = QuietHours(parsing: "21:00-08:00") }
        defer { setup.twilio.stop() }
        let numbers = (0..<8).map { "+1312555\(String(format: "%04d", 100 + $0))" }
        for (index, number) in numbers.enumerated() {
            try await setup.voicemail("msg\(index).wav", caller: "<\(number)>", at: "2026-11-23 22:3\(index)")
        }
        let first = try setup.pipeline()
        let second = try setup.pipeline()
        #expect(try await setup.texts().map(\.state) == Array(repeating: .waiting, count: numbers.count))
        setup.clock.advance(by: Chicago.date("2026-11-24 08:00").timeIntervalSince(setup.clock.now))
        async let a = first.sendCallerTexts()
        async let b = second.sendCallerTexts()
        _ = await (a, b)
        #expect(setup.twilio.received.map(\.to).sorted() == numbers)
        #expect(setup.twilio.requests.count == numbers.count)
    }
}

extension CallerTextTests {
    /// The promised time across a holiday and the end of daylight saving time, counted in business hours.
    @Test func thePromiseSkipsAHolidayAndKeepsTheWallClockAcrossDST() async throws {
        var thanksgiving = try Setup(now: "2026-11-25 16:01")
        defer { thanksgiving.twilio.stop() }
        var hours = try BusinessHours.parse(["mon-fri": "08:00-17:00"])
        hours.holidays = ["2026-11-26"]
        thanksgiving.harness.config.callbacks.businessHours = hours
        try await thanksgiving.voicemail("msg0000.wav", at: "2026-11-25 16:00")  // 1 h left Wednesday, Thursday off
        try await thanksgiving.pipeline().sendCallerTexts()
        #expect(thanksgiving.twilio.received.first?.body.hasSuffix("will call you back by Friday 11:00 AM.") == true)

        var fallBack = try Setup(now: "2026-10-31 16:01")  // Saturday; clocks go back at 2:00 on Sunday Nov 1
        defer { fallBack.twilio.stop() }
        fallBack.harness.config.callbacks.businessHours = try BusinessHours.parse(["mon-sun": "08:00-17:00"])
        try await fallBack.voicemail("msg0000.wav", at: "2026-10-31 16:00")  // 1 h Saturday, 3 h Sunday
        try await fallBack.pipeline().sendCallerTexts()
        #expect(fallBack.twilio.received.first?.body.hasSuffix("will call you back by 11:00 AM tomorrow.") == true, "\(fallBack.twilio.received)")
    }
}

extension CallerTextTests {
    /// Standard Webhooks' signature of `body`, by Python's `hmac`: `base64(HMAC-SHA256(key, "id.timestamp.body"))`
    /// with the key after `whsec_` decoded from base64.
    static func pythonStandardWebhooksSignature(secret: String, id: String, timestamp: String, body: Data) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            "-c",
            "import base64,hashlib,hmac,sys; key=base64.b64decode(sys.argv[1].split('_',1)[1]); "
                + "print(base64.b64encode(hmac.new(key, (sys.argv[2]+'.'+sys.argv[3]+'.').encode()+sys.stdin.buffer.read(), hashlib.sha256).digest()).decode())",
            secret, id, timestamp,
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(body)
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `kind: webhook`: the text goes to the admin's endpoint signed as Standard Webhooks 1.0 says, verified here by
    /// Python's `hmac`; a 503 is retried under the same `webhook-id`, so the receiver can tell it is the same text.
    @Test func theWebhookProviderSignsEachTryAsStandardWebhooksSays() async throws {
        let tries = Mutex(0)
        let receiver = try HTTPStandIn { _ in
            let attempt = tries.withLock { count -> Int in
                count += 1
                return count
            }
            return attempt == 1 ? .respond(.json(503, #"{"error":"busy"}"#)) : .respond(.json(200, #"{"id":"gw-42"}"#))
        }
        defer { receiver.stop() }
        let secret = "whsec_" + Data("0123456789abcdef0123456789abcdef".utf8).base64EncodedString()
        var setup = try Setup(now: "2026-11-24 08:32")
        defer { setup.twilio.stop() }
        let parsed = try PipelineConfig.parse(
            ConfigTests.minimal
                + "\ncaller_texts:\n  provider: { kind: webhook, url: \"\(receiver.baseURL)/texts\", secret: \"\(secret)\", from: \"+15550001111\" }\n")
        setup.harness.config.callerTexts?.provider = try #require(parsed.callerTexts).provider
        try await setup.voicemail("msg0000.wav", at: "2026-11-24 08:31")
        let pipeline = try setup.pipeline()
        #expect(try await setup.texts().map(\.state) == [.waiting])
        setup.clock.advance(by: 61)
        let sent = await pipeline.sendCallerTexts()
        #expect(sent.map(\.state) == [.sent])
        #expect(sent.first?.providerID == "gw-42")
        let requests = receiver.requests
        #expect(requests.count == 2)
        #expect(Set(requests.compactMap { $0.header("webhook-id") }).count == 1, "one id across tries")
        for request in requests {
            let id = try #require(request.header("webhook-id"))
            let timestamp = try #require(request.header("webhook-timestamp"))
            let expected = try Self.pythonStandardWebhooksSignature(secret: secret, id: id, timestamp: timestamp, body: request.body)
            #expect(request.header("webhook-signature") == "v1," + expected)
            #expect(request.header("Content-Type")?.hasPrefix("application/json") == true)
        }
        let last = try #require(requests.last)
        let body = try #require(try JSONSerialization.jsonObject(with: last.body) as? [String: String])
        #expect(
            body == [
                "type": "caller_text", "to": "+15551230000", "from": "+15550001111",
                "body": "Thanks for calling Acme Plumbing. We got your message and will call you back by 12:31 PM today.",
            ])
    }
}

extension CallerTextTests {
    /// `running_late: 30m`: a callback still open half an hour before its deadline tells the caller a later time,
    /// once, and the owner's deadline moves to it.
    @Test func aCallbackRunningLateTellsTheCallerANewTimeOnce() async throws {
        let setup = try Setup(now: "2026-11-24 08:32", businessHours: true) { $0.runningLate = ConfigDuration(.seconds(30 * 60)) }
        defer { setup.twilio.stop() }
        let id = try await setup.voicemail("msg0000.wav", at: "2026-11-24 08:31")  // due 12:31 PM
        let pipeline = try setup.pipeline()
        setup.clock.advance(by: Chicago.date("2026-11-24 11:55").timeIntervalSince(setup.clock.now))
        #expect(await pipeline.sendCallerTexts().isEmpty, "36 minutes left: not yet")
        setup.clock.advance(by: 6 * 60)
        let late = await pipeline.sendCallerTexts()
        #expect(late.map(\.kind) == ["late"])
        #expect(late.map(\.state) == [.sent])
        // Four business hours counted again from 12:31 PM.
        #expect(setup.twilio.received.last?.body == "Sorry, Acme Plumbing is running late. We will call you back by 4:31 PM today.")
        let record = try #require(try await pipeline.ledger.voicemail(id: id))
        #expect(record.dueAt == Chicago.date("2026-11-24 16:31"))
        let event = try #require(try await pipeline.ledger.callbackEvents(id: id).last)
        #expect(event.action == .runningLate)
        #expect(event.note == "the caller was texted: by 4:31 PM today")
        // Half an hour before the new deadline: no second update.
        setup.clock.advance(by: Chicago.date("2026-11-24 16:10").timeIntervalSince(setup.clock.now))
        #expect(await pipeline.sendCallerTexts().isEmpty)
        #expect(setup.twilio.received.count == 2)
        // The digest says the time the caller waits for now.
        #expect(try await pipeline.digest().plainText.contains("“Sorry, Acme Plumbing is running late. We will call you back by 4:31 PM today.”"))
    }

    /// The card's "Running late?" link: it asks first, then reserves the text; the next look sends it and moves the
    /// deadline. A second link for the same callback is told the caller already was.
    @Test func theCardsRunningLateLinkTextsTheCallerTheTimeItShowed() async throws {
        var setup = try Setup(now: "2026-11-24 08:32", businessHours: true)
        defer { setup.twilio.stop() }
        let web = WebConfig(publicURL: "https://ringback.example.com", secret: Secret("a-long-test-secret-0123456789"))
        setup.harness.config.web = web
        let id = try await setup.voicemail("msg0000.wav", at: "2026-11-24 08:31")
        let card = try setup.lastCard()
        let line = try #require(card.split(separator: "\n").first { $0.contains("Running late? Text them: by 4:31 PM today: ") })
        let token = try #require(line.components(separatedBy: "https://ringback.example.com/a/").last)
        let pipeline = try setup.pipeline()
        let server = LinkServer(
            ledger: pipeline.ledger, web: web, owner: setup.harness.config.owner, callbacks: setup.harness.config.callbacks,
            callerTexts: setup.harness.config.callerTexts, now: { [clock = setup.clock] in clock.now })
        setup.clock.advance(by: 3600)
        try await server.application(host: "127.0.0.1", port: 0, logger: Harness.logger).test(.router) { client in
            let asked = try await client.execute(uri: "/a/\(token)", method: .get)
            #expect(asked.status == .ok)
            #expect(String(buffer: asked.body).contains("Text Maria Lopez that you will call by 4:31 PM today?"))
            #expect(try await pipeline.ledger.texts(voicemailID: id).count == 1, "opening the link changes nothing")
            let done = try await client.execute(uri: "/a/\(token)", method: .post)
            #expect(done.status == .ok)
            #expect(String(buffer: done.body).contains("The caller will be told: by 4:31 PM today"))
        }
        let sent = await pipeline.sendCallerTexts()
        #expect(sent.map(\.kind) == ["late"])
        #expect(setup.twilio.received.last?.body == "Sorry, Acme Plumbing is running late. We will call you back by 4:31 PM today.")
        #expect(try await pipeline.ledger.voicemail(id: id)?.dueAt == Chicago.date("2026-11-24 16:31"))
        let again = try #require(CallbackLinks(config: web)).url(.late, voicemailID: id, now: setup.clock.now)
        try await server.application(host: "127.0.0.1", port: 0, logger: Harness.logger).test(.router) { client in
            let refused = try await client.execute(uri: "/a/" + (again.components(separatedBy: "/a/").last ?? ""), method: .post)
            #expect(refused.status == .conflict)
            #expect(String(buffer: refused.body).contains("They were already told"))
        }
        #expect(setup.twilio.received.count == 2)

        // A caller who opted out is not promised a text: the page says to call them instead.
        let other = try await setup.voicemail("msg0001.wav", caller: "<+13125550142>", at: "2026-11-24 08:40")
        try await pipeline.ledger.optOut("+13125550142", source: "cli", at: setup.clock.now)
        let optedOut = try #require(CallbackLinks(config: web)).url(.late, voicemailID: other, now: setup.clock.now)
        try await server.application(host: "127.0.0.1", port: 0, logger: Harness.logger).test(.router) { client in
            let refused = try await client.execute(uri: "/a/" + (optedOut.components(separatedBy: "/a/").last ?? ""), method: .post)
            #expect(refused.status == .conflict)
            #expect(String(buffer: refused.body).contains("opted out of texts: call them instead"))
        }
    }
}
