import Foundation
import Ringback
import RingbackTesting
import Testing

/// The README's worked example: a morning of calls (two hang-ups, a voicemail, a robocall) and what the owner gets.
@Suite struct MorningTests {
    @Test func aMorningOfCallsGivesThreeCardsOneHeldBackRobocallAndADigestToActOn() async throws {
        var harness = try Harness()
        let block = try ReadmeExampleTests.example("missed-calls")
        let parsed = try PipelineConfig.parse(ConfigTests.minimal + "\n" + block)
        harness.config.callbacks = parsed.callbacks
        let csv = harness.folder.url.appendingPathComponent("Master.csv")
        harness.config.callbacks.cdr?.path = csv.path
        harness.config.callbacks.cdr?.timezone = Chicago.zone
        _ = FileManager.default.createFile(atPath: csv.path, contents: nil)
        let clock = TestClock(Chicago.date("2026-11-24 07:53"))  // a Tuesday
        let maria = try OpenAITranscriptionStandIn(transcript: "Hi, it's Maria Lopez. The kitchen sink is leaking again, please call me back today.")
        defer { maria.stop() }
        let robot = try OpenAITranscriptionStandIn(
            transcript: "This is an important message about your vehicle's extended warranty. Press 1 to speak to an agent now.")
        defer { robot.stop() }
        let pipeline = try harness.pipeline(transcriber: harness.openAI(maria), now: { clock.now })
        let robotPipeline = try harness.pipeline(transcriber: harness.openAI(robot), now: { clock.now })
        let records = try CallRecordSync(
            config: try #require(harness.config.callbacks.cdr), pipeline: harness.config, ledger: pipeline.ledger, logger: Harness.logger,
            now: { clock.now })
        func append(_ row: String) throws {
            let handle = try FileHandle(forWritingTo: csv)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(row.utf8))
            try handle.close()
        }
        func at(_ time: String) { clock.advance(by: Chicago.date("2026-11-24 " + time).timeIntervalSince(clock.now)) }

        // 07:52 Chen Wei rings the front desk for 20 s and hangs up.
        try append(
            AsteriskCDR.row(
                src: "3105550123", clid: #""Chen Wei" <3105550123>"#, dst: "600", context: "ext-group", dstchannel: "PJSIP/201-0000002b",
                lastapp: "Dial", start: "2026-11-24 07:52:00", duration: 20, billsec: 0, disposition: "NO ANSWER", uniqueid: "1795441920.41"))
        try await records.sync()
        at("07:55")
        await pipeline.sendOwedCards()
        // 08:14 Bob Ortiz reaches the greeting and hangs up.
        at("08:15")
        try append(
            AsteriskCDR.row(
                src: "+17135550188", clid: #""Bob Ortiz" <+17135550188>"#, lastapp: "VoiceMail", lastdata: "1001@default,u",
                start: "2026-11-24 08:14:00", duration: 30, billsec: 12, disposition: "ANSWERED", uniqueid: "1795443240.52"))
        try await records.sync()
        at("08:17")
        await pipeline.sendOwedCards()
        // 08:31 Maria Lopez leaves a message; its call-record row follows and is the same case.
        at("08:32")
        let message = try harness.drop(
            "msg0000.wav",
            sidecar: AudioFixture.asteriskSidecar(origtime: Int(Chicago.date("2026-11-24 08:31").timeIntervalSince1970), msgID: "1795444260-00000003"))
        #expect(await pipeline.process(message).status == .notified)
        try append(
            AsteriskCDR.row(
                src: "+15551230000", clid: #""Maria Lopez" <+15551230000>"#, lastapp: "VoiceMail", lastdata: "1001@default,u",
                start: "2026-11-24 08:30:40", duration: 40, billsec: 25, disposition: "ANSWERED", uniqueid: "1795444240.53"))
        #expect(try await records.sync().missedCalls.isEmpty)
        // 08:40 a robocall leaves a message.
        at("08:41")
        let robocall = try harness.drop(
            "msg0001.wav", seconds: 2.4,
            sidecar: AudioFixture.asteriskSidecar(
                callerID: "<+12025550111>", origtime: Int(Chicago.date("2026-11-24 08:40").timeIntervalSince1970), msgID: "1795444800-00000004"))
        #expect(await robotPipeline.process(robocall).status == .withheld)
        at("10:00")
        await pipeline.sendOwedCards()

        let subjects = try harness.cards().map { try MIMEParts.subject(of: $0) }.sorted()
        let digest = try await pipeline.digest().plainText
        let mail = subjects.joined(separator: "\n") + "\n\n" + digest
        #expect(subjects.count == 3, "two missed-call cards and Maria's card; the robocall gets none")
        // Every line of the README's example is in what the owner received.
        let shown = try ReadmeExampleTests.example("morning-mail", language: "text")
        for line in shown.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            #expect(mail.contains(line), "the README shows \"\(line)\"")
        }
    }
}
