import Foundation
import RingbackCore
import RingbackTesting
import Testing

@testable import Ringback

/// Reminders before and at the deadline, escalation after it, quiet hours, each sent once and threaded under the card.
@Suite struct ReminderTests {
    /// Tue Sep 22 2026, 12:24:47 AM in Chicago; due 4 h later, 4:24:47 AM.
    static let origtime = 1_790_054_687

    @Test func aCallbackGetsEachReminderOnceInTheCardsThreadAndTheEscalationGoesToTheBoss() async throws {
        var harness = try Harness()
        harness.config.callbacks.remindBefore = ConfigDuration(.seconds(30 * 60))
        harness.config.callbacks.escalateTo = [MailAddress(name: "Boss", address: "boss@example.com")]
        harness.config.callbacks.escalateAfter = ConfigDuration(.seconds(3600))
        harness.config.callbacks.quietHours = QuietHours(parsing: "04:30-05:00")
        let received = Date(timeIntervalSince1970: TimeInterval(Self.origtime))
        let clock = TestClock(received.addingTimeInterval(60))
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let pipeline = try harness.pipeline(transport: harness.smtp(sink), now: { clock.now })
        let file = try harness.drop("call.wav", sidecar: AudioFixture.asteriskSidecar(origtime: Self.origtime))
        #expect(await pipeline.process(file).status == .notified)
        let card = try #require(try await sink.waitForMessages(count: 1).first)
        let cardID = try #require(card.header("Message-ID"))
        #expect(await pipeline.sendDueReminders().isEmpty, "nothing is due yet")

        clock.advance(by: 3 * 3600 + 35 * 60)  // 4:00:47 AM: 24 minutes to go
        #expect(await pipeline.sendDueReminders().map(\.kind) == [.before])
        #expect(await pipeline.sendDueReminders().allSatisfy { !$0.sent }, "asking again sends nothing twice")
        #expect(try await sink.waitForMessages(count: 2).count == 2)

        clock.advance(by: 31 * 60)  // 4:31 AM: past the deadline, but in quiet hours
        #expect(await pipeline.sendDueReminders().isEmpty)
        clock.advance(by: 30 * 60)  // 5:01 AM
        let atDeadline = await pipeline.sendDueReminders()
        #expect(atDeadline.map(\.kind) == [.deadline])
        #expect(atDeadline.allSatisfy { $0.sent })

        clock.advance(by: 30 * 60)  // 5:31 AM: over an hour past the deadline
        #expect(await pipeline.sendDueReminders().filter { $0.sent }.map(\.kind) == [.escalation])
        let restarted = try harness.pipeline(transport: harness.smtp(sink), now: { clock.now })
        let again = await restarted.sendDueReminders()
        #expect(again.allSatisfy { !$0.sent }, "a restart sends nothing twice: \(again)")

        let mails = try await sink.waitForMessages(count: 4)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try sink.messages().count == 4)
        for reminder in mails.dropFirst() {
            #expect(reminder.header("In-Reply-To") == cardID)
            #expect(reminder.header("Subject") == "Re: " + (card.header("Subject") ?? ""))
            #expect(reminder.defects.isEmpty)
            #expect(!reminder.parts.contains { $0.contentType.hasPrefix("audio/") })
        }
        let texts = mails.dropFirst().compactMap { $0.parts(contentType: "text/plain").first?.text }
        #expect(texts[0].hasPrefix("Reminder: call back Maria Lopez, due in 24 min"))
        #expect(texts[1].hasPrefix("Call back Maria Lopez now: the deadline is here"))
        #expect(texts[2].hasPrefix("Escalation: Maria Lopez has not been called back, overdue by 1 h 7 min"))
        #expect(mails[1].envelopeTo == ["owner@example.com"])
        #expect(mails[3].envelopeTo == ["boss@example.com"])
    }

    @Test func closedSnoozedAndLateCardsGetNoReminders() async throws {
        var harness = try Harness()
        harness.config.callbacks.remindBefore = ConfigDuration(.seconds(30 * 60))
        let received = Date(timeIntervalSince1970: TimeInterval(Self.origtime))
        let clock = TestClock(received.addingTimeInterval(60))
        let pipeline = try harness.pipeline(now: { clock.now })
        let first = try harness.drop("msg0000.wav", sidecar: AudioFixture.asteriskSidecar(origtime: Self.origtime, msgID: "a-1", extra: []))
        let outcome = await pipeline.process(first)
        let id = try #require(outcome.voicemailID)
        _ = try await pipeline.ledger.changeCallback(id: id, .snooze(until: received.addingTimeInterval(5 * 3600)), by: .cli, at: clock.now)
        clock.advance(by: 4 * 3600 + 60)
        #expect(await pipeline.sendDueReminders().isEmpty, "snoozed")
        _ = try await pipeline.ledger.changeCallback(id: id, .done, by: .cli, at: clock.now)
        clock.advance(by: 3600)
        #expect(await pipeline.sendDueReminders().isEmpty, "closed")

        // A card sent after its deadline (an old voicemail in a batch) already says overdue: no reminder storm.
        let old = try harness.drop(
            "msg0001.wav", sidecar: AudioFixture.asteriskSidecar(callerID: "\"Old\" <+15559870000>", origtime: Self.origtime - 86400, msgID: "b-2"))
        #expect(await pipeline.process(old).status == .notified)
        #expect(await pipeline.sendDueReminders().isEmpty)
        #expect(try harness.cards().count == 2)
    }

    /// Two nodes on one ledger look at once (a cluster lease changing hands mid-tick): each reminder goes out once,
    /// counted by Message-ID at a real SMTP server.
    @Test func twoNodesLookingAtOnceSendEachReminderOnce() async throws {
        var harness = try Harness()
        harness.config.callbacks.remindAtDeadline = true
        let received = Date(timeIntervalSince1970: TimeInterval(Self.origtime))
        let clock = TestClock(received.addingTimeInterval(60))
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let pipeline = try harness.pipeline(transport: harness.smtp(sink), now: { clock.now })
        for index in 0..<5 {
            let file = try harness.drop(
                "msg000\(index).wav",
                sidecar: AudioFixture.asteriskSidecar(callerID: "\"Caller \(index)\" <+1555987010\(index)>", origtime: Self.origtime, msgID: "r-\(index)"))
            #expect(await pipeline.process(file).status == .notified)
        }
        _ = try await sink.waitForMessages(count: 5)
        let other = try harness.pipeline(transport: harness.smtp(sink), now: { clock.now }).claiming(as: "node-b:1:abcdefgh")

        clock.advance(by: 4 * 3600)  // past every deadline
        async let a = pipeline.sendDueReminders()
        async let b = other.sendDueReminders()
        let sent = (await a + b).filter(\.sent)
        #expect(sent.count == 5, "\(sent)")
        #expect(Set(sent.map(\.voicemailID)).count == 5)

        let mails = try await sink.waitForMessages(count: 10)
        try await Task.sleep(for: .milliseconds(300))
        let ids = try sink.messages().compactMap { $0.header("Message-ID") }
        #expect(ids.count == 10 && Set(ids).count == 10, "each card and each reminder once: \(ids)")
        #expect(mails.filter { $0.header("Subject")?.hasPrefix("Re: ") == true }.count == 5)
    }
}
