import Foundation
import Ringback
import RingbackTesting
import Testing

/// Every missed call, not only voicemails: inbound calls nobody answered, read from the PBX's call records as
/// Asterisk's `cdr_csv` and FreeSWITCH's `cdr_csv` write them, become callbacks with a card of their own.
@Suite struct MissedCallTests {
    struct Setup {
        var harness: Harness
        let pipeline: VoicemailPipeline
        let clock: TestClock
        let csv: URL

        init(
            now: String = "2026-09-22 10:00", voicemailWait: Duration = .zero, missedCalls: CallbacksConfig.MissedCalls = .card,
            spam: SpamConfig? = SpamConfig(), transcriber: (any Transcriber)? = nil
        ) throws {
            var harness = try Harness()
            csv = harness.folder.url.appendingPathComponent("Master.csv")
            harness.config.callbacks.cdr = CDRConfig(path: csv.path, timezone: Chicago.zone, voicemailWait: ConfigDuration(voicemailWait))
            harness.config.callbacks.missedCalls = missedCalls
            harness.config.callbacks.spam = spam
            self.harness = harness
            let clock = TestClock(Chicago.date(now))
            self.clock = clock
            pipeline = try harness.pipeline(transcriber: transcriber, now: { clock.now })
            _ = FileManager.default.createFile(atPath: csv.path, contents: nil)
        }

        func records() throws -> CallRecordSync {
            try CallRecordSync(
                config: try #require(harness.config.callbacks.cdr), pipeline: harness.config, ledger: pipeline.ledger, logger: Harness.logger,
                now: { [clock] in clock.now })
        }

        func append(_ text: String) throws {
            let handle = try FileHandle(forWritingTo: csv)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        }

        /// Subjects of the cards delivered so far, decoded.
        func subjects() throws -> [String] {
            try harness.cards().map { try MIMEParts.subject(of: $0) }.sorted()
        }

        func open() async throws -> [VoicemailRecord] {
            try await pipeline.ledger.callbacks(.open, now: clock.now)
        }
    }

    static let chen = #""Chen Wei" <3105550123>"#

    @Test func hangUpsBusyLinesQueuesAndGreetingsBecomeMissedCallCardsAndTheRestIsIgnored() async throws {
        let setup = try Setup()
        try setup.append(
            // A ring group: two phones ring 20 s, nobody answers; one call, two rows.
            AsteriskCDR.row(
                src: "3105550123", clid: Self.chen, dst: "600", context: "ext-group", dstchannel: "PJSIP/201-0000002b", lastapp: "Dial",
                start: "2026-09-22 08:00:00", duration: 20, billsec: 0, disposition: "NO ANSWER", uniqueid: "1790082000.41")
                + AsteriskCDR.row(
                    src: "3105550123", clid: Self.chen, dst: "600", context: "ext-group", dstchannel: "PJSIP/202-0000002c", lastapp: "Dial",
                    start: "2026-09-22 08:00:00", duration: 20, billsec: 0, disposition: "NO ANSWER", uniqueid: "1790082000.42",
                    linkedid: "1790082000.41")
                // Busy.
                + AsteriskCDR.row(
                    src: "+17135550188", clid: #""Bob Ortiz" <+17135550188>"#, lastapp: "Dial", start: "2026-09-22 08:05:00", duration: 3, billsec: 0,
                    disposition: "BUSY", uniqueid: "1790082300.43")
                // Gave up in the queue after 95 s (the queue answers the line; no agent did).
                + AsteriskCDR.row(
                    src: "2145550142", clid: #""DELGADO ROOFING" <2145550142>"#, dst: "700", context: "ext-queues", lastapp: "Queue",
                    lastdata: "700,t,,,300", start: "2026-09-22 08:10:00", duration: 95, billsec: 90, disposition: "ANSWERED", uniqueid: "1790082600.44")
                // Rang 18 s, the greeting answered, hung up without a message.
                + AsteriskCDR.row(
                    src: "8325550177", clid: #""" <8325550177>"#, lastapp: "VoiceMail", lastdata: "1001@default,u", start: "2026-09-22 08:20:00",
                    duration: 30, billsec: 12, disposition: "ANSWERED", uniqueid: "1790083200.45")
                // A misdial (2 s), an internal call, a withheld number, an outbound call: none is a missed call.
                + AsteriskCDR.row(
                    src: "9725550100", clid: "9725550100", lastapp: "Dial", start: "2026-09-22 08:30:00", duration: 2, billsec: 0,
                    disposition: "NO ANSWER", uniqueid: "1790083800.46")
                + AsteriskCDR.row(
                    src: "201", clid: #""Front Desk" <201>"#, dst: "202", context: "from-internal", dstchannel: "", lastapp: "Dial",
                    start: "2026-09-22 08:31:00", duration: 25, billsec: 0, disposition: "NO ANSWER", uniqueid: "1790083860.47")
                + AsteriskCDR.row(
                    src: "anonymous", clid: #""Anonymous" <anonymous>"#, lastapp: "Dial", start: "2026-09-22 08:32:00", duration: 25, billsec: 0,
                    disposition: "NO ANSWER", uniqueid: "1790083920.48")
                + AsteriskCDR.row(
                    src: "201", clid: #""Front Desk" <201>"#, dst: "913105550199", context: "from-internal", dstchannel: "PJSIP/trunk-00000049",
                    lastapp: "Dial", start: "2026-09-22 08:33:00", duration: 25, billsec: 0, disposition: "NO ANSWER", uniqueid: "1790083980.49"))
        let changes = try await setup.records().sync()
        #expect(changes.missedCalls.count == 4)
        let open = try await setup.open()
        #expect(open.map(\.callerNumber) == ["+13105550123", "+17135550188", "+12145550142", "+18325550177"])
        #expect(open.allSatisfy { $0.kind == .missedCall && $0.callbackState == .open })
        #expect(open.map(\.ringSeconds) == [20, 3, 95, 18])

        let sent = await setup.pipeline.sendOwedCards()
        #expect(sent.map(\.status) == Array(repeating: .notified, count: 4))
        let subjects = try setup.subjects()
        #expect(subjects.contains { $0.hasPrefix("Missed call from Chen Wei · (310) 555-0123, rang 20 s — call back by") })
        #expect(subjects.contains { $0.hasPrefix("Missed call from Bob Ortiz · (713) 555-0188, line busy") })
        #expect(subjects.contains { $0.hasPrefix("Missed call from DELGADO ROOFING · (214) 555-0142, waited 1:35 in the queue") })
        #expect(subjects.contains { $0.hasPrefix("Missed call from (832) 555-0177, hung up at the greeting") })
        let greeting = try #require(try setup.harness.cards().first { try MIMEParts.subject(of: $0).contains("greeting") })
        let text = try MIMEParts.text(of: greeting)
        #expect(text.contains("It rang 18 s, the voicemail greeting answered, and the caller hung up without leaving a message."))
        #expect(!text.contains("Recording:"), "a missed call from the call records has no recording to mention")
        let head = try headers(of: greeting)
        #expect(head["message-context"] == "none", "RFC 3458: not a voice message")
        #expect(head["x-ringback-transcription"] == "none")
        #expect(await setup.pipeline.sendOwedCards().isEmpty, "each card once")
        #expect(try await setup.records().sync().missedCalls.isEmpty, "a restart reads nothing twice")
    }

    /// A line as Asterisk 23.4.1's `cdr_csv` wrote it (18 columns, the sample dialplan's `incoming` context): the
    /// voicemail application answered at once and there is no message for the call, so she hung up at the greeting.
    @Test func aRealAsteriskLineOfAHangUpAtTheGreetingIsAMissedCall() async throws {
        let setup = try Setup(now: "2026-11-24 14:30")
        try setup.append(
            #"""
            "","+15551230000","1001","incoming","""Maria Lopez"" <+15551230000>","Local/s@speak-00000001;1","","VoiceMail","1001@default,s","2026-11-24 14:21:22","2026-11-24 14:21:22","2026-11-24 14:21:30",7,7,"ANSWERED","DOCUMENTATION","1795530082.2",""

            """#)
        let missed = try #require(try await setup.records().sync().missedCalls.first)
        // The PBX's linkedid (within the site on a shared ledger, where two PBXs' ids may meet).
        #expect(missed.key == "cdr:" + (setup.harness.config.sharedSite.map { $0 + "/" } ?? "") + "1795530082.2")
        #expect(missed.missedEnding == .greeting)
        #expect(missed.ringSeconds == 0)
        await setup.pipeline.sendOwedCards()
        let card = try #require(try setup.harness.cards().first)
        #expect(try MIMEParts.subject(of: card).hasPrefix("Missed call from Maria Lopez · (555) 123-0000, hung up at the greeting"))
        #expect(try MIMEParts.text(of: card).contains("The voicemail greeting answered at once, and the caller hung up without leaving a message."))
    }

    @Test func freeswitchCallsTheCallerCancelledAreMissedCalls() async throws {
        var setup = try Setup()
        setup.harness.config.callbacks.cdr?.format = .freeswitch
        let records = try CallRecordSync(
            config: try #require(setup.harness.config.callbacks.cdr), pipeline: setup.harness.config, ledger: setup.pipeline.ledger,
            logger: Harness.logger, now: { [clock = setup.clock] in clock.now })
        // FreeSWITCH's stock template: caller_id_name, caller_id_number, destination_number, context, start_stamp,
        // answer_stamp, end_stamp, duration, billsec, hangup_cause, uuid, bleg_uuid, accountcode, read_codec, write_codec
        try setup.append(
            #""Chen Wei","+13105550123","1000","public","2026-09-22 09:00:00","","2026-09-22 09:00:25","25","0","ORIGINATOR_CANCEL","9f1c0b8e-1d2a-4c55-9a51-0c3f6b1e2d41","","","PCMU","PCMU""#
                + "\n"
                + #""Chen Wei","+13105550123","1000","public","2026-09-22 09:30:00","2026-09-22 09:30:04","2026-09-22 09:32:04","124","120","NORMAL_CLEARING","5c2d7a10-88e4-4f0b-a3c1-1b2e3f4a5b6c","7e8f9a0b-1c2d-4e3f-8a9b-0c1d2e3f4a5b","","PCMU","PCMU""#
                + "\n")
        let changes = try await records.sync()
        #expect(changes.missedCalls.count == 1)
        #expect(changes.missedCalls.first?.ringSeconds == 25)
        // The second call got through: the callback is closed by it.
        #expect(changes.outcomes.map(\.action) == [.done])
        #expect(try await setup.open().isEmpty)
    }

    @Test func aMissedCallAndTheVoicemailLeftOnItAreOneCaseWhicheverIsSeenFirst() async throws {
        // The voicemail first, then its row in the call records.
        let first = try Setup(now: "2026-09-22 00:30")
        let voicemail = try first.harness.drop("msg0000.wav", sidecar: AudioFixture.asteriskSidecar())
        #expect(await first.pipeline.process(voicemail).status == .notified)
        try first.append(
            AsteriskCDR.row(
                src: "+15551230000", clid: #""Maria Lopez" <+15551230000>"#, lastapp: "VoiceMail", start: "2026-09-22 00:24:20", duration: 35,
                billsec: 20, disposition: "ANSWERED", uniqueid: "1790054660.12"))
        #expect(try await first.records().sync().missedCalls.isEmpty)
        await first.pipeline.sendOwedCards()
        #expect(try first.harness.cards().count == 1)
        #expect(try await first.open().count == 1)

        // The row first (its card waits for the recording), then the voicemail: the voicemail is the case.
        let second = try Setup(now: "2026-09-22 00:25", voicemailWait: .seconds(120))
        try second.append(
            AsteriskCDR.row(
                src: "+15551230000", clid: #""Maria Lopez" <+15551230000>"#, lastapp: "VoiceMail", start: "2026-09-22 00:24:20", duration: 35,
                billsec: 20, disposition: "ANSWERED", uniqueid: "1790054660.12"))
        #expect(try await second.records().sync().missedCalls.count == 1)
        #expect(await second.pipeline.sendOwedCards().isEmpty, "the card waits voicemail_wait for the recording")
        let late = try second.harness.drop("msg0000.wav", sidecar: AudioFixture.asteriskSidecar())
        let outcome = await second.pipeline.process(late)
        #expect(outcome.status == .notified)
        second.clock.advance(by: 600)
        #expect(await second.pipeline.sendOwedCards().isEmpty)
        #expect(try second.harness.cards().count == 1)
        let open = try await second.open()
        #expect(open.map(\.id) == [outcome.voicemailID])
        #expect(open.first?.kind == .voicemail)
    }

    @Test func threeCallsThenAMessageAreOneCaseAndAnAnsweredCallClosesIt() async throws {
        let setup = try Setup(now: "2026-09-22 00:30")
        for (minute, id) in [("00", "1790053200.10"), ("10", "1790053800.11"), ("20", "1790054400.12")] {
            try setup.append(
                AsteriskCDR.row(
                    src: "5551230000", clid: #""Maria Lopez" <5551230000>"#, dst: "600", context: "ext-group", dstchannel: "PJSIP/201-0000002b",
                    lastapp: "Dial", start: "2026-09-22 00:\(minute):00", duration: 25, billsec: 0, disposition: "NO ANSWER", uniqueid: id))
        }
        let changes = try await setup.records().sync()
        #expect(changes.missedCalls.count == 3)
        #expect(changes.missedCalls.filter { $0.foldedInto != nil }.count == 2)
        #expect(await setup.pipeline.sendOwedCards().count == 1, "one card for the first call; the repeats join it")
        let voicemail = try setup.harness.drop("msg0000.wav", sidecar: AudioFixture.asteriskSidecar())
        #expect(await setup.pipeline.process(voicemail).status == .notified)
        let open = try await setup.open()
        #expect(open.count == 1)
        let card = try #require(try setup.harness.cards().first { try MIMEParts.subject(of: $0).hasPrefix("Voicemail") })
        let callback = try #require(open.first?.id)
        #expect(try MIMEParts.text(of: card).contains("4th call today, one callback: #\(callback)"))

        // Maria calls again later and the front desk picks up: her callback is closed by that call.
        try setup.append(
            AsteriskCDR.row(
                src: "5551230000", clid: #""Maria Lopez" <5551230000>"#, dst: "600", context: "ext-group", dstchannel: "PJSIP/201-0000002b",
                lastapp: "Dial", start: "2026-09-22 09:00:00", duration: 70, billsec: 62, disposition: "ANSWERED", uniqueid: "1790085600.13"))
        #expect(try await setup.records().sync().outcomes.map(\.action) == [.done])
        #expect(try await setup.open().isEmpty)
        let closed = try #require(try await setup.pipeline.ledger.voicemail(id: callback))
        #expect(closed.callbackClosedBy == "cdr")
    }

    /// `callbacks sync` from cron reads a morning at once: the callback logged after a missed call closes it, as
    /// it would have, read line by line.
    @Test func aCallbackLaterInTheSameReadClosesTheMissedCallBeforeIt() async throws {
        let setup = try Setup()
        try setup.append(
            AsteriskCDR.row(
                src: "3105550123", clid: Self.chen, lastapp: "Dial", start: "2026-09-22 08:00:00", duration: 20, billsec: 0, disposition: "NO ANSWER",
                uniqueid: "1790082000.41")
                + AsteriskCDR.row(
                    src: "201", clid: #""Front Desk" <201>"#, dst: "+13105550123", context: "from-internal", dstchannel: "PJSIP/trunk-00000049",
                    lastapp: "Dial", start: "2026-09-22 08:30:00", duration: 100, billsec: 90, disposition: "ANSWERED", uniqueid: "1790083800.50"))
        let changes = try await setup.records().sync()
        #expect(changes.missedCalls.count == 1)
        #expect(changes.outcomes.map(\.action) == [.done])
        #expect(try await setup.open().isEmpty)
    }

    /// `ringback check` says when no inbound call would ever match `inbound_contexts`, and which contexts the file has.
    @Test func checkNamesTheContextsWhenNoneIsInbound() async throws {
        var setup = try Setup()
        try setup.append(
            AsteriskCDR.row(
                src: "3105550123", clid: Self.chen, context: "from-pstn-custom", lastapp: "Dial", start: "2026-09-22 08:00:00", duration: 20,
                billsec: 0, disposition: "NO ANSWER", uniqueid: "1790082000.41"))
        func item() async throws -> SetupCheck.Item {
            try #require(await SetupCheck(config: setup.harness.config).run().first { $0.subject.hasPrefix("callbacks.cdr") })
        }
        let wrong = try await item()
        #expect(!wrong.ok)
        #expect(wrong.detail.contains("none of its last 1 calls from outside numbers is in callbacks.cdr.inbound_contexts"))
        #expect(wrong.detail.contains("contexts in the file: from-pstn-custom 1"))
        setup.harness.config.callbacks.cdr?.inboundContexts.insert("from-pstn-custom")
        #expect(try await item().ok)
    }

    @Test func oldCallsOpenNothingAndDigestModeSendsNoCard() async throws {
        let old = try Setup(now: "2026-09-25 10:00")
        try old.append(
            AsteriskCDR.row(
                src: "3105550123", clid: Self.chen, lastapp: "Dial", start: "2026-09-22 08:00:00", duration: 20, billsec: 0, disposition: "NO ANSWER",
                uniqueid: "1790082000.41"))
        let changes = try await old.records().sync()
        #expect(changes.tooOld == 1)
        #expect(try await old.open().isEmpty)

        let quiet = try Setup(missedCalls: .digest)
        try quiet.append(
            AsteriskCDR.row(
                src: "3105550123", clid: Self.chen, lastapp: "Dial", start: "2026-09-22 08:00:00", duration: 20, billsec: 0, disposition: "NO ANSWER",
                uniqueid: "1790082000.41"))
        try await quiet.records().sync()
        #expect(await quiet.pipeline.sendOwedCards().isEmpty)
        #expect(try quiet.harness.cards().isEmpty)
        let open = try await quiet.open()
        #expect(open.map(\.state) == [.withheld])
    }

    @Test func aBlocklistedNumberIsHeldAsSpamAndNotSpamCardsIt() async throws {
        let setup = try Setup(spam: SpamConfig(blocklist: ["+1310555"]))
        try setup.append(
            AsteriskCDR.row(
                src: "3105550123", clid: Self.chen, lastapp: "Dial", start: "2026-09-22 08:00:00", duration: 20, billsec: 0, disposition: "NO ANSWER",
                uniqueid: "1790082000.41"))
        let changes = try await setup.records().sync()
        let held = try #require(changes.missedCalls.first)
        #expect(held.spamReason == "the number starts with +1310555, on the blocklist")
        #expect(held.callbackState == .noCallbackNeeded)
        #expect(await setup.pipeline.sendOwedCards().isEmpty)
        #expect(try setup.harness.cards().isEmpty)

        let undone = try await setup.pipeline.ledger.changeCallback(
            id: try #require(held.id), .notSpam(dueAt: Chicago.date("2026-09-22 14:00")), by: .link, at: setup.clock.now)
        #expect(undone.changed)
        #expect(undone.record.callbackState == .open)
        #expect(await setup.pipeline.sendOwedCards().map(\.status) == [.notified])
        #expect(try setup.harness.cards().count == 1)
    }
}

/// What a card in the Maildir says: its decoded subject and its text part (quoted-printable, as Ringback writes it).
enum MIMEParts {
    static func subject(of url: URL) throws -> String {
        decodedSubject(try headers(of: url)["subject"] ?? "")
    }

    static func text(of url: URL) throws -> String {
        try part("text/plain", of: url)
    }

    static func part(_ type: String, of url: URL) throws -> String {
        let message = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        guard let start = message.range(of: "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n") else { return "" }
        let rest = message[start.upperBound...]
        let body = rest[..<(rest.range(of: "\r\n--")?.lowerBound ?? rest.endIndex)]
        var bytes: [UInt8] = []
        var lines = body.components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        for (index, line) in lines.enumerated() {
            var utf8 = Array(line.utf8)
            let soft = utf8.last == UInt8(ascii: "=")
            if soft { utf8.removeLast() }
            var i = 0
            while i < utf8.count {
                if utf8[i] == UInt8(ascii: "="), i + 2 < utf8.count, let value = UInt8(String(decoding: utf8[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                    bytes.append(value)
                    i += 3
                } else {
                    bytes.append(utf8[i])
                    i += 1
                }
            }
            if !soft, index < lines.count - 1 { bytes += [13, 10] }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
