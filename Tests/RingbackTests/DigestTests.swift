import Foundation
import Ringback
import RingbackCore
import RingbackTesting
import Testing

/// The morning digest: overdue first, what came in and was closed, the week's figures, once per slot.
@Suite struct DigestTests {

    @Test func theDigestGoesOutOncePerSlotWithOverdueFirstAndTheWeeksFigures() async throws {
        var harness = try Harness()
        harness.config.callbacks.digest = DigestConfig(at: 7 * 60 + 30, days: [2, 3, 4, 5, 6], to: [MailAddress(address: "office@example.com")])
        let clock = TestClock(Chicago.date("2026-11-23 06:05"))  // Monday
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let pipeline = try harness.pipeline(transport: harness.smtp(sink), now: { clock.now })
        func drop(_ name: String, _ caller: String, at time: String) async throws -> Int64 {
            let origtime = Int(Chicago.date(time).timeIntervalSince1970)
            let file = try harness.drop(name, sidecar: AudioFixture.asteriskSidecar(callerID: caller, origtime: origtime, msgID: "\(origtime)-\(name)"))
            return try #require(await pipeline.process(file).voicemailID)
        }
        let maria = try await drop("msg0000.wav", "\"Maria Lopez\" <+15551230000>", at: "2026-11-23 06:00")  // due 10:00 Monday
        clock.advance(by: 2 * 3600)
        let chen = try await drop("msg0001.wav", "\"Robert Chen\" <+13125550142>", at: "2026-11-23 08:00")  // due 12:00
        clock.advance(by: 3600)
        _ = try await pipeline.ledger.changeCallback(id: chen, .done, by: .cli, at: clock.now)  // 09:05 Monday: on time
        #expect(await pipeline.sendDigestIfDue() == "2026-11-23 07:30", "Monday's slot passed 95 minutes ago")
        clock.advance(by: 22 * 3600)  // Tuesday 07:05
        let lee = try await drop("msg0002.wav", "\"Ann Lee\" <+13125550199>", at: "2026-11-24 07:00")
        #expect(await pipeline.sendDigestIfDue() == nil, "Tuesday's slot is not here yet, Monday's went out")

        clock.advance(by: 30 * 60)  // Tuesday 07:35
        #expect(await pipeline.sendDigestIfDue() == "2026-11-24 07:30")
        #expect(await pipeline.sendDigestIfDue() == nil)
        let restarted = try harness.pipeline(transport: harness.smtp(sink), now: { clock.now })
        #expect(await restarted.sendDigestIfDue() == nil, "once per slot, across restarts")

        let mails = try await sink.waitForMessages(count: 5)  // 3 cards, 2 digests
        let digest = try #require(mails.last)
        #expect(digest.defects.isEmpty, "\(digest.defects)")
        #expect(digest.envelopeTo == ["office@example.com"])
        #expect(digest.header("Subject") == "Callbacks: 1 overdue, 2 open \u{2014} Tue Nov 24")
        let text = try #require(digest.parts(contentType: "text/plain").first?.text)
        let overdue = try #require(
            text.range(of: "Overdue (1):\n  #\(maria) Maria Lopez (555) 123-0000 \u{2014} voicemail 0:02 \u{2014} OVERDUE by 21 h 35 min"))
        let open = try #require(
            text.range(of: "Due today (1):\n  #\(lee) Ann Lee (312) 555-0199 \u{2014} voicemail 0:02 \u{2014} due 11:00 AM (in 3 h 25 min)"))
        #expect(overdue.lowerBound < open.lowerBound, "overdue first")
        #expect(!text.contains("Closed since"), "Chen was closed before Monday's digest")
        #expect(text.contains("Last 7 days: 1 of 2 due were called back on time (50 %); median time to call back 1 h 5 min over 1."))
        let html = try #require(digest.parts(contentType: "text/html").first?.text)
        #expect(html.contains(#"<h2 style="margin:20px 0 8px;font-size:17px;color:#b42318">Overdue (1)</h2>"#))
        #expect(html.contains(#"<a href="tel:+15551230000" style="color:#0969da;text-decoration:none">(555) 123-0000</a>"#), "a number a tap away")

        let monday = try #require(mails.first { $0.header("Subject")?.hasPrefix("Callbacks:") == true })
        let mondayText = try #require(monday.parts(contentType: "text/plain").first?.text)
        #expect(mondayText.contains("Closed since"), "Monday's digest lists Chen's callback: \(mondayText)")
        #expect(mondayText.contains("called back after 1 h 5 min (the command line)"))
    }
}
