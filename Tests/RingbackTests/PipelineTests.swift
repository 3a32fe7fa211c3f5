import Foundation
import Ringback
import RingbackAudio
import RingbackCore
import RingbackTesting
import Testing

@Suite struct PipelineTests {
    @Test func aRecordingBecomesOneCardAndASecondRunSendsNothing() async throws {
        let harness = try Harness()
        let file = try harness.drop("call.wav")
        let pipeline = try harness.pipeline()

        let first = await pipeline.process(file)
        #expect(first.status == .notified)
        #expect(try harness.cards().count == 1)

        let second = await pipeline.process(file)
        #expect(second.status == .skipped)
        #expect(second.voicemailID == first.voicemailID)
        #expect(try harness.cards().count == 1)

        let id = try #require(first.voicemailID)
        let record = try #require(try await pipeline.ledger.voicemail(id: id))
        #expect(record.state == .notified)
        #expect(record.key.hasPrefix("sha256:"))
    }

    @Test func threeFormatsOfOneMessageSendOneCard() async throws {
        let harness = try Harness()
        let sidecar = AudioFixture.asteriskSidecar()
        let files = [
            try harness.drop("msg0000.WAV", format: .wav49, sidecar: sidecar),
            try harness.drop("msg0000.gsm", format: .rawGSM),
            try harness.drop("msg0000.wav", format: .pcm16WAV),
        ]
        let pipeline = try harness.pipeline()
        let outcomes = await withTaskGroup(of: ProcessOutcome.self) { group in
            for file in files { group.addTask { await pipeline.process(file) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0.status == .notified }.count == 1)
        #expect(outcomes.allSatisfy { $0.key == "msg_id:1790054687-00000006" })
        #expect(try harness.cards().count == 1)
    }

    @Test func callerAndDeadlineComeFromTheSidecar() async throws {
        let harness = try Harness()
        let file = try harness.drop("msg0003.wav", sidecar: AudioFixture.asteriskSidecar(origtime: 1_790_054_687))
        let pipeline = try harness.pipeline()
        let outcome = await pipeline.process(file)
        let id = try #require(outcome.voicemailID)
        let record = try #require(try await pipeline.ledger.voicemail(id: id))
        #expect(record.callerName == "Maria Lopez")
        #expect(record.callerNumber == "+15551230000")
        #expect(record.receivedAt == Date(timeIntervalSince1970: 1_790_054_687))
        #expect(record.dueAt == Date(timeIntervalSince1970: 1_790_054_687 + 4 * 3600))
        // 1790054687 is Tue 22 Sep 2026 05:24:47 UTC = 00:24 in Chicago; due 4 h later: Tue 4:24 AM.
        let card = try #require(try harness.cards().first)
        let subject = try #require(try headers(of: card)["subject"])
        #expect(decodedSubject(subject) == "Voicemail from Maria Lopez · (555) 123-0000, 0:02 — call back by Tue 4:24 AM")
    }

    @Test func gsmIsConvertedBeforeUploadAndTheTranscriptReachesTheCard() async throws {
        let harness = try Harness()
        let standIn = try OpenAITranscriptionStandIn(transcript: "Hi, this is Maria, please call me back about the leaking sink.")
        defer { standIn.stop() }
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let file = try harness.drop("msg0000.WAV", format: .wav49, seconds: 3, sidecar: AudioFixture.asteriskSidecar())
        let pipeline = try harness.pipeline(transcriber: harness.openAI(standIn), transport: harness.smtp(sink))

        let outcome = await pipeline.process(file)
        #expect(outcome.status == .notified, "\(outcome.detail)")
        #expect(standIn.violations.isEmpty)
        let upload = try #require(standIn.received.first)
        #expect(upload.model == "whisper-1")
        #expect(upload.language == "en")
        #expect(upload.authorization == "Bearer sk-test")
        #expect(upload.filename == "msg0000.wav")
        #expect(upload.contentType == "audio/wav")

        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        let text = try #require(mail.parts(contentType: "text/plain").first?.text)
        #expect(text.contains("please call me back about the leaking sink"))
        #expect(text.contains("machine transcript"))
        let html = try #require(mail.parts(contentType: "text/html").first?.text)
        #expect(html.contains("href=\"tel:+15551230000\""))
        // The attachment is an MP3 (phones do not play WAV49): libsndfile decodes it to the voicemail's length.
        let audio = try #require(mail.parts.first { $0.contentType.hasPrefix("audio/") })
        #expect(audio.contentType == "audio/mpeg")
        #expect(audio.transferEncoding == "base64")
        #expect(audio.filename?.hasSuffix(".mp3") == true)
        let copy = harness.folder.url.appendingPathComponent("attachment.mp3")
        try audio.data().write(to: copy)
        let probe = try AudioProbe(url: copy)
        #expect(abs(probe.durationMilliseconds - 3000) <= 150)
        #expect(probe.format.container == .mpeg)
        #expect(text.contains("Recording: attached (voicemail-"))
    }

    @Test func aCardThroughSMTPIsStrictlyValidMIME() async throws {
        let harness = try Harness()
        let sink = try await SMTPSink.start(.init(auth: .init(user: "ringback", password: "s3cret")))
        defer { sink.stop() }
        let file = try harness.drop("call.wav", seconds: 2, sidecar: AudioFixture.asteriskSidecar(callerID: "\"José Müller\" <+15551230000>"))
        let pipeline = try harness.pipeline(transport: harness.smtp(sink, username: "ringback", password: "s3cret"))
        let outcome = await pipeline.process(file)
        #expect(outcome.status == .notified, "\(outcome.detail)")

        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.defects.isEmpty, "\(mail.defects)")
        #expect(mail.multipartStructure == "multipart/mixed(multipart/alternative(text/plain,text/html),text/calendar,audio/mpeg)")
        #expect(mail.header("Subject")?.hasPrefix("Voicemail from José Müller · (555) 123-0000, 0:02 — call back by ") == true)
        #expect(mail.header("From") == "Ringback <voicemail@example.com>")
        #expect(mail.header("Message-ID")?.hasPrefix("<ringback.") == true)
        #expect(mail.header("Auto-Submitted") == "auto-generated")
        #expect(mail.header("X-Ringback-Voicemail") == "\(outcome.voicemailID ?? 0)")
        #expect(mail.header("Date") != nil)
        #expect(mail.envelopeTo == ["owner@example.com"])
        // Raw bytes: the header block is ASCII (RFC 2047 did its job) and every line ends in CRLF.
        let raw = try mail.raw()
        let head = raw.prefix(upTo: try #require(raw.firstRange(of: Data("\r\n\r\n".utf8))).lowerBound)
        #expect(head.allSatisfy { $0 < 0x80 })
        let longest = raw.split(separator: UInt8(ascii: "\n")).map(\.count).max() ?? 0
        #expect(longest <= 79)  // 78 characters + the CR
        let attachment = try #require(mail.parts.first { $0.contentType == "audio/mpeg" })
        #expect(attachment.filename?.hasPrefix("voicemail-") == true)
        // Both colours explicit, so no client shows dark text on a dark background (DarkCardTests: the dark ones).
        let html = try #require(mail.parts(contentType: "text/html").first?.text)
        #expect(html.contains(#"<meta name="color-scheme" content="light dark">"#))
        #expect(html.contains("color:#1f2328;background:#ffffff"))
        #expect(!html.contains("http://") && !html.contains("https://"), "no remote images or links")
    }

    @Test func theCardCarriesACalendarEventAtTheDeadlineThatParses() async throws {
        let harness = try Harness()
        let standIn = try OpenAITranscriptionStandIn(transcript: "Hi, it's Maria; the sink, again, is leaking\\ call me")
        defer { standIn.stop() }
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let file = try harness.drop("call.wav", sidecar: AudioFixture.asteriskSidecar(callerID: "\"Maria Lopez\" <+15551230000>"))
        let outcome = await (try harness.pipeline(transcriber: harness.openAI(standIn), transport: harness.smtp(sink))).process(file)
        #expect(outcome.status == .notified)
        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        let part = try #require(mail.parts.first { $0.contentType == "text/calendar" })
        #expect(part.filename == "call-back.ics")
        let ics = try part.data()
        // Raw RFC 5545 rules: CRLF only, no content line over 75 octets.
        #expect(!ics.split(separator: UInt8(ascii: "\n")).contains { $0.last != UInt8(ascii: "\r") })
        #expect(ics.split(separator: UInt8(ascii: "\n")).allSatisfy { $0.count <= 76 })
        // A real parser (python3-icalendar) reads the event back.
        let icsFile = harness.folder.url.appendingPathComponent("call-back.ics")
        try ics.write(to: icsFile)
        let script = """
            import icalendar, json, sys
            cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
            events = [c for c in cal.walk() if c.name == 'VEVENT']
            e = events[0]
            print(json.dumps({'count': len(events), 'summary': str(e['SUMMARY']), 'description': str(e['DESCRIPTION']),
                              'start': e.decoded('DTSTART').isoformat(), 'url': str(e.get('URL')), 'alarms': len(e.subcomponents)}))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, icsFile.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let event = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(event["count"] as? Int == 1)
        #expect(event["summary"] as? String == "Call back Maria Lopez")
        #expect(event["url"] as? String == "tel:+15551230000")
        #expect(event["alarms"] as? Int == 1)
        let description = try #require(event["description"] as? String)
        #expect(description.contains("Call Maria Lopez back on (555) 123-0000."))
        #expect(description.contains("Machine transcript: \"Hi, it's Maria; the sink, again, is leaking\\ call me\""))
        let id = try #require(outcome.voicemailID)
        let record = try #require(try await (try harness.pipeline()).ledger.voicemail(id: id))
        let startText = try #require(event["start"] as? String)
        let start = try #require(ISO8601DateFormatter().date(from: startText))
        #expect(abs(start.timeIntervalSince(record.dueAt)) < 1, "the event starts at the callback deadline")
    }

    @Test func theCardSaysWhenInTheOwnersWordsAndCountsEarlierCallsFromTheNumber() async throws {
        var harness = try Harness()
        harness.config.intake[0].layout = .asterisk
        let origtime = 1_790_054_687  // Tue Sep 22 2026, 12:24:47 AM in Chicago
        let clock = TestClock(Date(timeIntervalSince1970: TimeInterval(origtime + 600)))
        let pipeline = try harness.pipeline(now: { clock.now })
        let first = try harness.drop("msg0000.wav", sidecar: AudioFixture.asteriskSidecar(origtime: origtime, msgID: "\(origtime)-00000001"))
        #expect(await pipeline.process(first).status == .notified)
        let card = try String(decoding: Data(contentsOf: try #require(try harness.cards().first)), as: UTF8.self)
            .replacingOccurrences(of: "=\r\n", with: "")
        #expect(card.contains("Received:     today 12:24 AM (America/Chicago)"))
        #expect(card.contains("Call back by: today 4:24 AM =E2=80=94 in 3 h 50 min"))
        #expect(!card.contains("Earlier:"))

        clock.advance(by: 5 * 3600)
        let second = try harness.drop("msg0001.wav", sidecar: AudioFixture.asteriskSidecar(origtime: origtime + 3600, msgID: "\(origtime + 3600)-00000002"))
        #expect(await pipeline.process(second).status == .notified)
        let cards = try harness.cards()
        #expect(cards.count == 2)
        let texts = try cards.map { String(decoding: try Data(contentsOf: $0), as: UTF8.self).replacingOccurrences(of: "=\r\n", with: "") }
        let later = try #require(texts.first { $0.contains("Earlier:") })
        // A second call while the first callback is open joins it: one callback, its deadline, its number.
        #expect(
            later.contains("Earlier:      2nd call today, one callback: #1 (at 12:24 AM, 1:24 AM). 1 earlier call from this number, the last today 12:24 AM"))
        #expect(later.contains("Call back by: today 4:24 AM =E2=80=94 overdue by 1 h 10 min"))
        #expect(later.contains("ringback callbacks done 1"))
        let open = try await pipeline.ledger.callbacks(.open, now: clock.now)
        #expect(open.map(\.id) == [1])

        // Closing either call closes the one callback; a call after that starts a new one.
        #expect(try await pipeline.ledger.changeCallback(id: 2, .done, by: .cli, at: clock.now).record.id == 1)
        #expect(try await pipeline.ledger.callbacks(.open, now: clock.now).isEmpty)
        let third = try harness.drop("msg0002.wav", sidecar: AudioFixture.asteriskSidecar(origtime: origtime + 7200, msgID: "\(origtime + 7200)-00000003"))
        #expect(await pipeline.process(third).status == .notified)
        #expect(try await pipeline.ledger.callbacks(.open, now: clock.now).map(\.id) == [3])
        // A backlog call received before the open callback's (reprocessed late) joins it as well.
        let backlog = try harness.drop("msg0003.wav", sidecar: AudioFixture.asteriskSidecar(origtime: origtime + 5400, msgID: "\(origtime + 5400)-00000004"))
        #expect(await pipeline.process(backlog).status == .notified)
        #expect(try await pipeline.ledger.callbacks(.open, now: clock.now).map(\.id) == [3])
        #expect(try await pipeline.ledger.voicemail(id: 4)?.foldedInto == 3)
    }

    @Test func attachAudioOriginalSendsThePBXFileByteForByteAndWavConverts() async throws {
        var harness = try Harness()
        harness.config.mail.attachAudio = .original
        let file = try harness.drop("msg0000.WAV", format: .wav49, seconds: 2)
        #expect(await (try harness.pipeline()).process(file).status == .notified)
        let card = try Data(contentsOf: try #require(try harness.cards().first))
        let original = try Data(contentsOf: file).base64EncodedString()
        let body = String(decoding: card, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "")
        #expect(body.contains(original))

        var wav = try Harness()
        wav.config.mail.attachAudio = .wav
        let gsm = try wav.drop("msg0000.WAV", format: .wav49, seconds: 2)
        #expect(await (try wav.pipeline()).process(gsm).status == .notified)
        let text = String(decoding: try Data(contentsOf: try #require(try wav.cards().first)), as: UTF8.self)
        #expect(text.contains("Content-Type: audio/wav"))
        #expect(!text.contains(original.prefix(76)))
    }

    @Test func aRecordingOverAttachMaxBytesIsNotAttachedAndTheCardSaysWhereItIs() async throws {
        var harness = try Harness()
        harness.config.mail.attachMaxBytes = 2_000
        let file = try harness.drop("long.wav", seconds: 10)
        let outcome = await (try harness.pipeline()).process(file)
        #expect(outcome.status == .notified)
        let text = String(decoding: try Data(contentsOf: try #require(try harness.cards().first)), as: UTF8.self)
        #expect(!text.contains("Content-Type: audio/"))
        #expect(text.contains("Content-Type: text/calendar"))
        let plain = text.replacingOccurrences(of: "=\r\n", with: "")
        #expect(plain.contains("Recording: not attached: the MP3 would be 30 kB"), "10 s at 24 kbit/s, known without encoding")
        #expect(plain.contains("over mail.attach_max_bytes (2 kB)"))
        #expect(plain.contains(file.path))
    }

    @Test func aResendCarriesTheSameMessageID() async throws {
        let harness = try Harness()
        let file = try harness.drop("call.wav")
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let pipeline = try harness.pipeline(transport: harness.smtp(sink))
        #expect(await pipeline.process(file).status == .notified)
        #expect(await pipeline.process(file).status == .skipped)
        #expect(await pipeline.process(file, options: .init(resend: true)).status == .notified)
        let mails = try await sink.waitForMessages(count: 2)
        #expect(mails.count == 2)
        #expect(mails[0].header("Message-ID") == mails[1].header("Message-ID"))
    }

    @Test func callerNamesAndTranscriptsCannotInjectHeadersOrHTML() async throws {
        let harness = try Harness()
        let standIn = try OpenAITranscriptionStandIn(transcript: "<script>alert('x')</script> call me\r\nBcc: thief@example.com")
        defer { standIn.stop() }
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let name = #"\"><img src=x onerror=alert(1)> <script>steal()</script>"#
        let file = try harness.drop("evil.wav", sidecar: AudioFixture.asteriskSidecar(callerID: "\"\(name)\" <5551230000>"))
        let pipeline = try harness.pipeline(transcriber: harness.openAI(standIn), transport: harness.smtp(sink))
        #expect(await pipeline.process(file).status == .notified)

        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.defects.isEmpty, "\(mail.defects)")
        #expect(mail.envelopeTo == ["owner@example.com"])
        #expect(mail.headers(named: "Bcc").isEmpty)
        let html = try #require(mail.parts(contentType: "text/html").first?.text)
        #expect(!html.contains("<script>"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
    }

    @Test func aTranscriptionOutageSendsTheCardNowAndTheTranscriptFollowsInItsThread() async throws {
        let harness = try Harness()
        let standIn = try OpenAITranscriptionStandIn()
        defer { standIn.stop() }
        standIn.enqueue(.respond(.json(503, #"{"error":{"message":"The server is overloaded","type":"server_error","param":null,"code":null}}"#)))
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let file = try harness.drop("call.wav", sidecar: AudioFixture.asteriskSidecar(callerID: "\"Maria Lopez\" <+15551230000>"))
        let pipeline = try harness.pipeline(transcriber: harness.openAI(standIn), transport: harness.smtp(sink))

        // The outage does not hold the card back: it goes out now and says why there is no transcript.
        let first = await pipeline.process(file)
        #expect(first.status == .notified, "\(first.detail)")
        #expect(first.transcript == .retrying)
        #expect(first.detail.contains("without a transcript"))
        let card = try #require(try await sink.waitForMessages(count: 1).first)
        let cardText = try #require(card.parts(contentType: "text/plain").first?.text)
        #expect(cardText.contains("Transcript unavailable for now (the transcription service (openai:whisper-1) had an internal error)"))
        #expect(cardText.contains("will reply to this email"))
        #expect(!cardText.contains("What they said"))
        #expect(card.parts.contains { $0.contentType == "audio/mpeg" })
        let id = try #require(first.voicemailID)
        let owed = try #require(try await pipeline.ledger.voicemail(id: id))
        #expect(owed.state == .notified)
        #expect(owed.transcriptStatus == .retrying)
        #expect(owed.transcriptFailure == "the transcription service (openai:whisper-1) had an internal error")
        #expect(try await pipeline.ledger.pending(dueBy: Date().addingTimeInterval(120)).map(\.id) == [id])

        // The engine is back: the transcript arrives as a reply in the card's thread, without the audio.
        let second = await pipeline.process(file)
        #expect(second.status == .followedUp, "\(second.detail)")
        let mails = try await sink.waitForMessages(count: 2)
        let reply = try #require(mails.last)
        #expect(reply.defects.isEmpty, "\(reply.defects)")
        let cardID = try #require(card.header("Message-ID"))
        #expect(reply.header("In-Reply-To") == cardID)
        #expect(reply.header("References") == cardID)
        #expect(reply.header("Message-ID") != cardID)
        #expect(reply.header("Subject") == "Re: " + (card.header("Subject") ?? ""))
        #expect(reply.multipartStructure == "multipart/mixed(multipart/alternative(text/plain,text/html))")
        let replyText = try #require(reply.parts(contentType: "text/plain").first?.text)
        #expect(replyText.contains("please call me back about the leaking sink"))
        #expect(replyText.contains("What they said (machine transcript by openai:whisper-1"))

        // Settled: nothing more is owed and nothing more is sent.
        let third = await pipeline.process(file)
        #expect(third.status == .skipped)
        #expect(try await pipeline.ledger.voicemail(id: id)?.transcriptStatus == .followedUp)
        #expect(try await pipeline.ledger.pending(dueBy: .distantFuture).isEmpty)
        let attempts = try await pipeline.ledger.attempts(voicemailID: id)
        #expect(attempts.map(\.succeeded) == [false, true])
        #expect(attempts.first?.httpStatus == 503)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try sink.messages().count == 2)
    }

    @Test func aTranscriptStillFailingWhenTheFollowUpWindowClosesIsGivenUpAndTheFilesSettle() async throws {
        var harness = try Harness()
        harness.config.intake[0].after = .delete
        let standIn = try OpenAITranscriptionStandIn(apiKey: "sk-right")
        defer { standIn.stop() }
        let file = try harness.drop("call.wav")
        let clock = TestClock(Date())
        let pipeline = try harness.pipeline(transcriber: harness.openAI(standIn, key: "sk-wrong"), now: { clock.now })

        let first = await pipeline.process(file)
        #expect(first.status == .notified)
        #expect(try harness.cards().count == 1)
        #expect(FileManager.default.fileExists(atPath: file.path), "the audio stays while its transcript is owed")
        let card = String(decoding: try Data(contentsOf: try #require(try harness.cards().first)), as: UTF8.self)
        #expect(card.contains("refused Ringback's credentials"))

        clock.advance(by: 3600)
        let retry = await pipeline.process(file)
        #expect(retry.status == .pending)
        #expect(retry.transcript == .retrying)
        #expect(retry.detail.contains("401"))
        #expect(FileManager.default.fileExists(atPath: file.path))

        clock.advance(by: 24 * 3600)
        let last = await pipeline.process(file)
        #expect(last.status == .skipped, "\(last.detail)")
        #expect(last.transcript == .abandoned)
        #expect(last.detail.contains("gave up"))
        #expect(try harness.cards().count == 1, "giving up sends nothing more")
        #expect(!FileManager.default.fileExists(atPath: file.path), "after: delete applies once nothing is owed")
        #expect(try await pipeline.ledger.pending(dueBy: .distantFuture).isEmpty)
    }

    @Test func aMailOutageResumesAtTheCardWithoutTranscribingAgain() async throws {
        let harness = try Harness()
        let standIn = try OpenAITranscriptionStandIn()
        defer { standIn.stop() }
        let file = try harness.drop("call.wav")
        let down = try await SMTPSink.start()
        let downTransport = harness.smtp(down)
        down.stop()  // nobody listens on that port now

        let failing = try harness.pipeline(transcriber: harness.openAI(standIn), transport: downTransport)
        let first = await failing.process(file)
        #expect(first.status == .pending)
        #expect(first.errorCode == .mail(.transport))
        let id = try #require(first.voicemailID)
        let record = try #require(try await failing.ledger.voicemail(id: id))
        #expect(record.state == .transcribed)
        #expect(record.transcript != nil)

        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let working = try harness.pipeline(transcriber: harness.openAI(standIn), transport: harness.smtp(sink))
        #expect(await working.process(file).status == .notified)
        #expect(standIn.received.count == 1)
        #expect(try await sink.waitForMessages(count: 1).count == 1)
    }

    @Test func badInputIsQuarantinedWithAReasonAndNeverStopsTheRest() async throws {
        let harness = try Harness()
        let spool = harness.spool
        _ = FileManager.default.createFile(atPath: spool.appendingPathComponent("empty.wav").path, contents: Data())
        let whole = try AudioFixture.write(harness.folder.url.appendingPathComponent("whole.wav"), seconds: 2)
        try Data(contentsOf: whole).prefix(30).write(to: spool.appendingPathComponent("truncated.wav"))
        try Data("%PDF-1.4 not audio".utf8).write(to: spool.appendingPathComponent("invoice.pdf"))
        try harness.drop("msg0009.wav", sidecar: "this is\nnot a sidecar\n")
        try harness.drop("good-1.wav", seconds: 1)
        try harness.drop("good-2.wav", seconds: 3)

        let pipeline = try harness.pipeline()
        var outcomes: [String: ProcessOutcome] = [:]
        for file in IntakeScanner().candidates(in: [spool]) {
            outcomes[file.lastPathComponent] = await pipeline.process(file)
        }
        #expect(outcomes.count == 6)
        #expect(outcomes["good-1.wav"]?.status == .notified)
        #expect(outcomes["good-2.wav"]?.status == .notified)
        for name in ["empty.wav", "truncated.wav", "invoice.pdf", "msg0009.wav"] {
            let outcome = try #require(outcomes[name])
            #expect(outcome.status == .rejected, "\(name)")
            #expect(outcome.path.hasSuffix(name))
            // Copied, never moved: the PBX's file is still there.
            #expect(FileManager.default.fileExists(atPath: spool.appendingPathComponent(name).path))
            let note = try String(contentsOf: harness.quarantine.appendingPathComponent(name + ".reason.txt"), encoding: .utf8)
            #expect(note.contains(name))
            #expect(note.contains("reason: "))
        }
        #expect(outcomes["empty.wav"]?.detail.contains("zero-byte") == true)
        #expect(outcomes["msg0009.wav"]?.detail.contains("sidecar") == true)
        #expect(try harness.cards().count == 2)
        #expect(try await pipeline.ledger.rejections().count == 4)
    }

    @Test func aDryRunWritesNothing() async throws {
        let harness = try Harness()
        let file = try harness.drop("call.wav")
        let pipeline = try harness.pipeline()
        let outcome = await pipeline.process(file, options: .init(dryRun: true))
        #expect(outcome.status == .planned)
        #expect(try harness.cards().isEmpty)
        let key = try #require(outcome.key)
        #expect(try await pipeline.ledger.voicemail(key: key) == nil)
    }

    /// A number the parser cannot read (an outside-line 9 before a North American number, no dial_prefixes) stays on
    /// the card as the PBX sent it, dialable, with the likely reading offered and the setting that makes it certain.
    @Test func aNumberRingbackCannotReadStaysOnTheCardAsSent() async throws {
        let harness = try Harness()
        let file = try harness.drop("oneil.wav", seconds: 3, sidecar: AudioFixture.asteriskSidecar(callerID: "\"DR. O'NEIL & SONS\" <917735550111>"))
        #expect(try await harness.pipeline().process(file).status == .notified)
        let card = String(decoding: try Data(contentsOf: try #require(try harness.cards().first)), as: UTF8.self)
            .replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=3D", with: "=")
        #expect(!card.contains("No number"), "the number the PBX gave never vanishes")
        #expect(card.contains("Call back:    917735550111  <tel:917735550111>  (as the PBX sent it)"), "\(card)")
        #expect(card.contains("Probably (773) 555-0111, with the outside-line 9 dropped"))
        #expect(card.contains("owner.dial_prefixes: [\"9\"]") || card.contains("owner.dial_prefixes: [&quot;9&quot;]"))
        #expect(card.contains("href=\"tel:917735550111\"") && card.contains("href=\"tel:+17735550111\""))
    }
}

/// Decodes `=?UTF-8?B?…?=` words, for comparing subjects read from raw Maildir files.
func decodedSubject(_ value: String) -> String {
    value.components(separatedBy: " ").map { word -> String in
        guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
            let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))
        else { return word }
        return String(decoding: data, as: UTF8.self)
    }.joined()
}
