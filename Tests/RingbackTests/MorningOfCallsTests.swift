import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Ringback
import RingbackCore
import RingbackTesting
import ServiceLifecycle
import Testing

/// A Friday before the end of daylight saving time, then a night and a morning of calls, then the day before a
/// holiday, through the services `ringback watch` runs (the intake watcher on an Asterisk
/// spool, the reminder ticker that sends texts), with an injected clock, against a Twilio stand-in that enforces the
/// contract: every text a caller receives, word for word, and the ones they must not.
@Suite struct MorningOfCallsTests {
    struct Office {
        var harness: Harness
        let clock: TestClock
        let twilio: TwilioStandIn

        init() throws {
            var harness = try Harness()
            twilio = try TwilioStandIn()
            harness.config.intake = [IntakeConfig(path: harness.folder.url.path + "/spool", layout: .asterisk)]
            var hours = try BusinessHours.parse(["mon-fri": "08:00-17:00"])
            hours.holidays = ["2026-11-26"]  // Thanksgiving
            harness.config.callbacks.businessHours = hours
            var texts = CallerTextsConfig(
                provider: .init(
                    kind: .twilio, url: twilio.url, accountSID: twilio.accountSID, token: Secret("twilio-test-token"), from: "+15550001111",
                    timeout: ConfigDuration(.seconds(5))),
                quietHours: QuietHours(parsing: "21:00-08:00"))
            texts.urgentTextTo = ["+15550009999"]
            texts.runningLate = ConfigDuration(.seconds(30 * 60))
            harness.config.callerTexts = texts
            self.harness = harness
            clock = TestClock(Chicago.date("2026-10-30 16:01"))  // a Friday afternoon; the clocks go back on Sunday
        }

        /// A message as Asterisk leaves it: the sidecar, then the recording, in mailbox 1001's INBOX (or Urgent).
        func call(_ n: Int, from callerID: String, at time: String, urgent: Bool = false) throws {
            let folder = harness.spool.appendingPathComponent("default/1001/\(urgent ? "Urgent" : "INBOX")")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let name = String(format: "msg%04d", n)
            let origtime = Int(Chicago.date(time).timeIntervalSince1970)
            try Data(AudioFixture.asteriskSidecar(callerID: callerID, origtime: origtime, msgID: "\(origtime)-\(n)", duration: 3).utf8)
                .write(to: folder.appendingPathComponent(name + ".txt"))
            try AudioFixture.write(folder.appendingPathComponent(name + ".wav"), seconds: 3)
        }

        func at(_ time: String) { clock.advance(by: Chicago.date(time).timeIntervalSince(clock.now)) }

        var bodies: [String] { twilio.received.map { "\($0.to): \($0.body)" } }
    }

    /// Waits for what the services do on their own. The bound is generous: `make test` runs this beside model decodes
    /// on two cores, where 20 s once ran out before the first text.
    static func eventually(_ what: String, within timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("not within \(timeout): \(what)")
    }

    @Test func aMorningOfCallsTellsEachCallerTheRightTimeAndNoOneTwice() async throws {
        let office = try Office()
        defer { office.twilio.stop() }
        let pipeline = try office.harness.pipeline(now: { [clock = office.clock] in clock.now })
        let ledger = pipeline.ledger
        let logger = Harness.logger
        let services: [any Service] =
            [IntakeWatcher(pipeline: pipeline, logger: logger, retryInterval: .milliseconds(200))]
            + CallbackServices.make(pipeline: pipeline, logger: logger, interval: .milliseconds(100))
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { Task { await group.triggerGracefulShutdown() } }

            // Friday 16:00, an hour before closing: one business hour today, three on Monday, after the clocks go back.
            try office.call(9, from: #""Dan Rossi" <+16175550123>"#, at: "2026-10-30 16:00")
            try await Self.eventually("Dan's text") { office.twilio.received.count == 1 }
            let dan = try #require(try await ledger.texts(limit: 10).first?.voicemailID)
            _ = try await ledger.changeCallback(id: dan, .done, by: .cli, at: office.clock.now)

            // Monday 22:05, after hours and in quiet hours: Ann's card goes, her text waits for the morning.
            office.at("2026-11-23 22:05")
            try office.call(0, from: #""Ann Fisher" <+13125550101>"#, at: "2026-11-23 22:04")
            try await Self.eventually("Ann's card") { try office.harness.cards().count == 2 }
            #expect(office.twilio.received.count == 1)
            #expect(try await ledger.texts(limit: 10).first?.reason == "quiet hours until 8:00 AM")

            // 08:00 Tuesday: the quiet hours end and her text goes, promising the fourth business hour.
            office.at("2026-11-24 08:00")
            try await Self.eventually("Ann's text") { office.twilio.received.count == 2 }
            // 08:31 Maria, 09:40 Bob marks his message urgent: he is told within the hour, the owner's phone rings.
            office.at("2026-11-24 08:32")
            try office.call(1, from: #""Maria Lopez" <+15551230000>"#, at: "2026-11-24 08:31")
            try await Self.eventually("Maria's text") { office.twilio.received.count == 3 }
            office.at("2026-11-24 09:41")
            try office.call(2, from: #""Bob Stone" <+17135550188>"#, at: "2026-11-24 09:40", urgent: true)
            try await Self.eventually("Bob's texts") { office.twilio.received.count == 5 }

            // Bob texts STOP (a forged request first); the owner calls him back; he calls again at 10:20: no text.
            let web = WebConfig(publicURL: "https://ringback.example.com", secret: Secret("a-long-test-secret-0123456789"))
            let server = LinkServer(
                ledger: ledger, web: web, owner: office.harness.config.owner, callerTexts: office.harness.config.callerTexts,
                now: { [clock = office.clock] in clock.now })
            try await server.application(host: "127.0.0.1", port: 0, logger: logger).test(.router) { client in
                let pairs = [
                    ("AccountSid", office.twilio.accountSID), ("Body", "STOP"), ("From", "+17135550188"), ("MessageSid", "SM1"), ("To", "+15550001111"),
                ]
                let body = pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }.joined(separator: "&")
                let signed = "https://ringback.example.com/v1/texts/twilio" + pairs.map { $0.0 + $0.1 }.joined()
                for (token, status) in [("not-the-token", HTTPResponse.Status.forbidden), ("twilio-test-token", .ok)] {
                    let response = try await client.execute(
                        uri: "/v1/texts/twilio", method: .post,
                        headers: [
                            .contentType: "application/x-www-form-urlencoded",
                            try #require(HTTPField.Name("X-Twilio-Signature")): try CallerTextTests.pythonTwilioSignature(token: token, signed: signed),
                        ], body: ByteBuffer(string: body))
                    #expect(response.status == status)
                }
            }
            let bob = try #require(try await ledger.texts(limit: 10).first { $0.number == "+17135550188" }?.voicemailID)
            _ = try await ledger.changeCallback(id: bob, .done, by: .cli, at: office.clock.now)
            office.at("2026-11-24 10:21")
            try office.call(3, from: #""Bob Stone" <+17135550188>"#, at: "2026-11-24 10:20")
            // Maria's callback is done at 10:25; she calls again at 10:30, within the day's cooldown: no second text.
            let maria = try #require(try await ledger.texts(limit: 10).first { $0.number == "+15551230000" }?.voicemailID)
            _ = try await ledger.changeCallback(id: maria, .done, by: .cli, at: Chicago.date("2026-11-24 10:25"))
            office.at("2026-11-24 10:31")
            try office.call(4, from: #""Maria Lopez" <+15551230000>"#, at: "2026-11-24 10:30")
            try await Self.eventually("both cards") { try office.harness.cards().count == 6 }

            // 11:00 Chen: Twilio takes the request and never answers. Shown as unconfirmed, never sent again.
            office.twilio.enqueue(.hang(.seconds(10)))
            office.at("2026-11-24 11:01")
            try office.call(5, from: #""Chen Wei" <+13105550123>"#, at: "2026-11-24 11:00")
            try await Self.eventually("Chen's card") { try office.harness.cards().count == 7 }
            let chen = try #require(try office.harness.cards().first { try MIMEParts.subject(of: $0).contains("Chen Wei") })
            #expect(try MIMEParts.text(of: chen).contains("The caller:   Texted 11:01 AM, unconfirmed"))

            // 11:31, half an hour before Ann's noon deadline, her callback is still open: one update, a later time.
            office.at("2026-11-24 11:31")
            try await Self.eventually("Ann's update") { office.twilio.received.count == 6 }

            // Wednesday 16:00, the day before Thanksgiving: one hour today, none on the holiday, three on Friday.
            office.at("2026-11-25 16:01")
            try office.call(6, from: #""Eve Park" <+12125550199>"#, at: "2026-11-25 16:00")
            try await Self.eventually("Eve's text") { office.twilio.received.count == 7 }
            try await Task.sleep(for: .milliseconds(500))  // a few more ticks: nothing else goes
        }
        #expect(
            office.bodies == [
                "+16175550123: Thanks for calling Acme Plumbing. We got your message and will call you back by Monday 11:00 AM.",
                "+13125550101: Thanks for calling Acme Plumbing. We are closed now; we will call you back by 12:00 PM today.",
                "+15551230000: Thanks for calling Acme Plumbing. We got your message and will call you back by 12:31 PM today.",
                "+17135550188: Thanks for calling Acme Plumbing. We got your message and will call you back by 10:40 AM today.",
                "+15550009999: URGENT call for Acme Plumbing: Bob Stone · (713) 555-0188 at 9:40 AM. Call back by 10:40 AM.",
                "+13125550101: Sorry, Acme Plumbing is running late. We will call you back by 4:00 PM today.",
                "+12125550199: Thanks for calling Acme Plumbing. We got your message and will call you back by Friday 11:00 AM.",
            ])
        #expect(office.twilio.violations.isEmpty, "\(office.twilio.violations)")
        let texts = try await ledger.texts(limit: 20).reversed().map { "\($0.number) \($0.kind) \($0.state.rawValue) \($0.reason ?? "")" }
        #expect(texts.contains("+17135550188 first skipped the caller opted out of texts"))
        #expect(texts.contains { $0.hasPrefix("+15551230000 first skipped texted Tue 8:32 AM, within caller_texts.cooldown") })
        #expect(texts.contains { $0.hasPrefix("+13105550123 first ambiguous") })
        #expect(try await ledger.voicemail(id: 2)?.dueAt == Chicago.date("2026-11-24 16:00"), "Ann's deadline moved to what she was told")
    }
}
