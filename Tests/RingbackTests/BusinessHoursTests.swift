import Foundation
import Ringback
import RingbackTesting
import Testing

/// Deadlines in business hours: weekends, holidays, both daylight-saving changes, midnight; and urgent calls.
@Suite struct BusinessHoursTests {

    static func callbacks(_ yaml: String) throws -> CallbacksConfig {
        try PipelineConfig.parse(ConfigTests.minimal + "\ncallbacks:\n" + yaml).callbacks
    }

    static let office = """
          due_within: 4h
          business_hours: { mon-fri: "08:00-17:00" }
          holidays: [2026-12-25]
        """

    @Test func fridayAfternoonIsDueMondayMorning() throws {
        let callbacks = try Self.callbacks(Self.office)
        // Fri Nov 20 2026, 16:50: ten minutes on Friday, the rest from 08:00 on Monday.
        #expect(callbacks.deadline(receivedAt: Chicago.date("2026-11-20 16:50"), urgent: false, timeZone: Chicago.zone) == Chicago.date("2026-11-23 11:50"))
    }

    @Test func aCallBeforeOpeningCountsFromOpeningAndAHolidayIsSkipped() throws {
        let callbacks = try Self.callbacks(Self.office)
        #expect(callbacks.deadline(receivedAt: Chicago.date("2026-11-24 06:15"), urgent: false, timeZone: Chicago.zone) == Chicago.date("2026-11-24 12:00"))
        // Thu Dec 24, 15:00: two hours that day; Fri Dec 25 is a holiday; the weekend is closed; Mon Dec 28 10:00.
        #expect(callbacks.deadline(receivedAt: Chicago.date("2026-12-24 15:00"), urgent: false, timeZone: Chicago.zone) == Chicago.date("2026-12-28 10:00"))
    }

    @Test func springForwardAndFallBackCountRealHours() throws {
        let always = try Self.callbacks(#"  due_within: 6h\n  business_hours: { sun-sat: "00:00-24:00" }"#.replacingOccurrences(of: "\\n", with: "\n"))
        // Sat Mar 7 2026 22:00 CST; 02:00-03:00 on Sunday does not exist. Six real hours later is 05:00 CDT.
        let spring = Chicago.date("2026-03-07 22:00")
        let springDue = try #require(always.businessHours?.deadline(from: spring, adding: 6 * 3600, timeZone: Chicago.zone))
        #expect(springDue == spring.addingTimeInterval(6 * 3600))
        #expect(springDue == Chicago.date("2026-03-08 05:00"))

        // Sun Nov 1 2026 opens 00:00-03:00 only; 01:00-02:00 happens twice, so the span is four real hours.
        let night = try Self.callbacks(#"  due_within: 3h\n  business_hours: { sun: "00:00-03:00" }"#.replacingOccurrences(of: "\\n", with: "\n"))
        let fall = Chicago.date("2026-11-01 00:00")
        #expect(night.deadline(receivedAt: fall, urgent: false, timeZone: Chicago.zone) == fall.addingTimeInterval(3 * 3600))
    }

    @Test func hoursRunToMidnightAndContinueTheNextOpenDay() throws {
        let late = try Self.callbacks(#"  due_within: 2h\n  business_hours: { mon-fri: "22:00-24:00" }"#.replacingOccurrences(of: "\\n", with: "\n"))
        // Mon Nov 23 23:00: one hour before midnight, one from 22:00 on Tuesday.
        #expect(late.deadline(receivedAt: Chicago.date("2026-11-23 23:00"), urgent: false, timeZone: Chicago.zone) == Chicago.date("2026-11-24 23:00"))
    }

    @Test func urgentCallsCountAroundTheClock() throws {
        let callbacks = try Self.callbacks(Self.office + "\n  urgent_due_within: 1h\n  urgent_keywords: [burst pipe, flood]\n  vip: [\"+15551230000\"]")
        #expect(callbacks.deadline(receivedAt: Chicago.date("2026-11-21 22:00"), urgent: true, timeZone: Chicago.zone) == Chicago.date("2026-11-21 23:00"))
        #expect(callbacks.isUrgent(transcript: "Hi, we have a BURST pipe in the basement!"))
        #expect(callbacks.isUrgent(transcript: "it's a flood."))
        #expect(!callbacks.isUrgent(transcript: "the pipe burst last year, no rush"))
        #expect(!callbacks.isUrgent(transcript: "floods of thanks"))
        #expect(callbacks.vip == ["+15551230000"])
    }

    @Test func badSchedulesNameTheKey() {
        func key(_ yaml: String) -> String? {
            do {
                _ = try Self.callbacks(yaml)
                return nil
            } catch {
                return (error as? ConfigError)?.key
            }
        }
        #expect(key(#"  business_hours: { mon-fri: "8-17" }"#) == "callbacks.business_hours.mon-fri")
        #expect(key(#"  business_hours: { mon-fri: "08:00-17:00", fri: "09:00-12:00" }"#)?.hasPrefix("callbacks.business_hours.") == true)
        #expect(key(#"  business_hours: { funday: "08:00-17:00" }"#) == "callbacks.business_hours.funday")
        #expect(key(#"  business_hours: { mon: "12:00-13:00, 12:30-14:00" }"#) == "callbacks.business_hours.mon")
        #expect(key(#"  business_hours: { sun-sat: closed }"#) == "callbacks.business_hours")
        #expect(key("  holidays: [2026-12-25]") == "callbacks.holidays")
        #expect(key(#"  business_hours: { mon: "08:00-17:00" }\#n  holidays: [Christmas]"#) == "callbacks.holidays")
        #expect(key(#"  vip: ["555-0199"]"#) == "callbacks.vip")
    }

    @Test func aCallerWhoSaysBurstPipeGetsAnUrgentCardDueInAnHour() async throws {
        var harness = try Harness()
        harness.config.callbacks = CallbacksConfig(urgentKeywords: ["burst pipe"])
        let standIn = try OpenAITranscriptionStandIn(transcript: "Hi, we have a burst pipe in the basement, please hurry.")
        defer { standIn.stop() }
        let file = try harness.drop("call.wav", sidecar: AudioFixture.asteriskSidecar())
        let pipeline = try harness.pipeline(transcriber: harness.openAI(standIn))
        let outcome = await pipeline.process(file)
        #expect(outcome.status == .notified)
        let id = try #require(outcome.voicemailID)
        let record = try #require(try await pipeline.ledger.voicemail(id: id))
        #expect(record.isUrgent)
        #expect(record.dueAt == record.receivedAt.addingTimeInterval(3600))
        let card = try #require(try harness.cards().first)
        #expect(try headers(of: card)["importance"] == "high")
        #expect(String(decoding: try Data(contentsOf: card), as: UTF8.self).contains("URGENT voicemail from Maria Lopez"))
    }

    @Test func aVIPNumberIsUrgentWithoutAnyKeyword() async throws {
        var harness = try Harness()
        harness.config.callbacks = CallbacksConfig(vip: ["+15551230000"])
        let file = try harness.drop("call.wav", sidecar: AudioFixture.asteriskSidecar())
        let pipeline = try harness.pipeline()
        let outcome = await pipeline.process(file)
        let id = try #require(outcome.voicemailID)
        let record = try #require(try await pipeline.ledger.voicemail(id: id))
        #expect(record.isUrgent)
        #expect(record.dueAt == record.receivedAt.addingTimeInterval(3600))
    }
}
