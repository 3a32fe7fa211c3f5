import Foundation
import RingbackAudio
import RingbackTesting
import Testing

/// The `ringback` binary, run as a user runs it, in a folder holding a copy of the committed pipeline.yml.
@Suite(.oneDecodeAtATime) struct CLITests {
    let folder: TemporaryDirectory

    init() throws {
        folder = try TemporaryDirectory("cli")
        let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../pipeline.yml")
        try FileManager.default.copyItem(at: committed, to: folder.url.appendingPathComponent("pipeline.yml"))
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("spool"), withIntermediateDirectories: true)
    }

    func ringback(_ arguments: String...) async throws -> RingbackCLI.Result {
        try await RingbackCLI.run(arguments, in: folder.url)
    }

    var cards: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("var/outbox/new").path)) ?? []
    }

    @discardableResult
    func drop(_ name: String, format: AudioFormat = .pcm16WAV, seconds: Double = 2) throws -> URL {
        try AudioFixture.write(folder.url.appendingPathComponent("spool/\(name)"), format: format, seconds: seconds)
    }

    @Test func reprocessTwiceSendsEachCardOnce() async throws {
        try drop("a.wav")
        try drop("msg0000.WAV", format: .wav49, seconds: 3)
        let first = try await ringback("reprocess", "spool")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("2 voicemails: 2 notified, 0 skipped, 0 pending, 0 rejected"))
        #expect(cards.count == 2)

        let second = try await ringback("reprocess", "spool")
        #expect(second.status == 0)
        #expect(second.stdout.contains("2 voicemails: 0 notified, 2 skipped"))
        #expect(cards.count == 2)
    }

    @Test func aBadFileFailsTheBatchButNotTheOtherFiles() async throws {
        try drop("good.wav")
        try Data("not audio at all".utf8).write(to: folder.url.appendingPathComponent("spool/bad.wav"))
        let result = try await ringback("reprocess", "spool")
        #expect(result.status == 1)
        #expect(result.stdout.contains("rejected"))
        #expect(result.stdout.contains("bad.wav"))
        #expect(cards.count == 1)
        #expect(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("var/rejected/bad.wav.reason.txt").path))
    }

    @Test func aMissingPathIsReportedNotQuarantined() async throws {
        let result = try await ringback("reprocess", "nowhere.wav")
        #expect(result.status == 1)
        #expect(result.stdout.contains("no such file"))
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("var/rejected/nowhere.wav").path))
    }

    @Test func jsonOutputIsOneDocumentWithASummary() async throws {
        try drop("a.wav")
        let result = try await ringback("reprocess", "--json", "spool")
        #expect(result.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let files = try #require(document["files"] as? [[String: Any]])
        #expect(files.first?["status"] as? String == "notified")
        #expect((document["summary"] as? [String: Any])?["notified"] as? Int == 1)
        #expect(result.stderr.contains("[1/1]"))  // progress goes to stderr
    }

    @Test func aDryRunSendsAndRecordsNothing() async throws {
        try drop("a.wav")
        let result = try await ringback("reprocess", "--dry-run", "spool")
        #expect(result.status == 0)
        #expect(result.stdout.contains("planned"))
        #expect(cards.isEmpty)
        let again = try await ringback("reprocess", "spool")
        #expect(again.stdout.contains("1 notified"))
    }

    @Test func resendSendsAgain() async throws {
        try drop("a.wav")
        _ = try await ringback("reprocess", "spool")
        let result = try await ringback("reprocess", "--resend", "spool")
        #expect(result.stdout.contains("1 notified"))
    }

    @Test func callbacksAreListedAndClosed() async throws {
        try drop("a.wav")
        _ = try await ringback("reprocess", "spool")
        let list = try await ringback("callbacks", "list", "--json")
        let items = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(items.count == 1)
        #expect(items.first?["state"] as? String == "open")
        let id = try #require(items.first?["id"] as? Int)

        let done = try await ringback("callbacks", "done", "\(id)")
        #expect(done.status == 0)
        #expect(done.stdout.contains("marked called back"))
        #expect(try await ringback("callbacks", "list").stdout.contains("No open callbacks"))
        #expect(try await ringback("callbacks", "list", "--all").stdout.contains("done"))
        #expect(try await ringback("callbacks", "done", "999").status == 1)
    }

    @Test func aCallbackIsTriedSnoozedClosedWithoutACallAndReopenedFromTheCommandLine() async throws {
        try drop("a.wav")
        _ = try await ringback("reprocess", "spool")
        let tried = try await ringback("callbacks", "tried", "1", "--note", "left a message")
        #expect(tried.stdout.contains("#1 Unknown caller: try recorded, still open."), "\(tried.stdout)\(tried.stderr)")
        let snooze = try await ringback("callbacks", "snooze", "1", "--for", "2h")
        #expect(snooze.stdout.contains("snoozed until"))
        #expect(try await ringback("callbacks", "list").stdout.contains("snoozed"))
        #expect(try await ringback("callbacks", "snooze", "1").status == 2, "snooze needs --for or --until")
        #expect(try await ringback("callbacks", "no-callback", "1").stdout.contains("closed, no callback needed"))
        let refused = try await ringback("callbacks", "tried", "1")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("is no_callback_needed; reopen it first"))
        #expect(try await ringback("callbacks", "reopen", "1").stdout.contains("reopened"))
        let show = try await ringback("callbacks", "show", "1")
        #expect(show.stdout.contains("tried by cli: left a message"))
        #expect(show.stdout.contains("snoozed by cli until"))
        #expect(show.stdout.contains("no_callback_needed by cli"))
        #expect(show.stdout.contains("reopened by cli"))
        let json = try await ringback("callbacks", "show", "1", "--json")
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((detail["events"] as? [[String: Any]])?.count == 4)
        #expect((detail["callback"] as? [String: Any])?["tries"] as? Int == 1)
    }

    @Test func probePrintsFormatLengthLevelAndCaller() async throws {
        let file = try drop("msg0001.wav", seconds: 1.5)
        try Data(AudioFixture.asteriskSidecar().utf8).write(to: file.deletingPathExtension().appendingPathExtension("txt"))
        let result = try await ringback("probe", "spool/msg0001.wav")
        #expect(result.status == 0)
        #expect(result.stdout.contains("WAV (16-bit PCM) · 8000 Hz · 1 channel"))
        #expect(result.stdout.contains("1.500 s"))
        #expect(result.stdout.contains("Maria Lopez · (555) 123-0000"))
        #expect(result.stdout.contains("e164 +15551230000"))
        #expect(result.stdout.contains("msg_id:1790054687-00000006"))

        let json = try await ringback("probe", "--json", "spool/msg0001.wav")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let audio = try #require((reports.first?["probe"] as? [String: Any])?["audio"] as? [String: Any])
        #expect(audio["durationMilliseconds"] as? Int == 1500)
    }

    @Test func probeTranscribeRunsTheCommittedOfflineEngineOnRealSpeech() async throws {
        let file = folder.url.appendingPathComponent("spool/intro.wav")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: RealSpeech.leaveMessage), to: file)
        let result = try await ringback("probe", "--transcribe", "spool/intro.wav")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("engines:    whisper:base-q8_0"))
        #expect(result.stdout.contains("attempt:    whisper:base-q8_0 · ok in "))
        #expect(result.stdout.contains("transcript: [machine transcript, "))
        #expect(result.stdout.contains("% confidence, language en] \"Please leave your message after the tone"), "\(result.stdout)")

        // The JSON keeps the shape scripts read: transcription.transcript.text, .engine, .confidence, .language.
        let json = try await ringback("probe", "--transcribe", "--json", "spool/intro.wav")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let run = try #require(reports.first?["transcription"] as? [String: Any])
        #expect((run["attempts"] as? [[String: Any]])?.map { $0["ok"] as? Bool } == [true])
        let transcript = try #require(run["transcript"] as? [String: Any])
        #expect((transcript["text"] as? String)?.hasPrefix("Please leave your message") == true)
        #expect(transcript["engine"] as? String == "whisper:base-q8_0")
        #expect(transcript["language"] as? String == "en")
        #expect((transcript["confidence"] as? Double).map { (0.5...1).contains($0) } == true)
    }

    @Test func aMissingModelIsNamedAtStartAndInCheck() async throws {
        let config = folder.url.appendingPathComponent("pipeline.yml")
        let text = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(
            of: "    - kind: whisper ", with: "    - { kind: whisper, model: ./models/nothing-here.bin }\n    # ")
        try Data(text.utf8).write(to: config)
        let expected = folder.url.appendingPathComponent("models/nothing-here.bin").path
        let check = try await ringback("check")
        #expect(check.status == 1)
        #expect(check.stdout.contains("✘ engine 1 whisper: whisper model \(expected): no such file"), "\(check.stdout)")
        let watch = try await ringback("watch")
        #expect(watch.status == 2, "\(watch.stdout)\(watch.stderr)")
        #expect(watch.stderr.contains("whisper model \(expected): no such file (run `make deps`"), "\(watch.stderr)")
    }

    @Test func probeTranscribeShowsEveryFailedAttemptAndThePlainReason() async throws {
        let standIn = try OpenAITranscriptionStandIn(apiKey: "sk-right")
        defer { standIn.stop() }
        let config = folder.url.appendingPathComponent("pipeline.yml")
        let text = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(
            of: "    - kind: whisper ",
            with: "    - { kind: openai, url: \"\(standIn.url)\", api_key: sk-wrong, model: whisper-1 }\n    # ")
        try Data(text.utf8).write(to: config)
        try drop("call.wav")
        let result = try await ringback("probe", "--transcribe", "spool/call.wav")
        #expect(result.status == 1)
        #expect(result.stdout.contains("attempt:    openai:whisper-1 · failed 401 in "))
        #expect(result.stdout.contains("transcript: none — the transcription service (openai:whisper-1) refused Ringback's credentials"))
        #expect(!result.stdout.contains("sk-wrong"), "the key never appears in output")
        #expect(cards.isEmpty)
    }

    @Test func cardPreviewRendersWithoutSendingOrRecording() async throws {
        try drop("a.wav", seconds: 3)
        let result = try await ringback("card", "preview", "spool/a.wav", "--html", "card.html", "--eml", "card.eml")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Subject: Voicemail from Unknown caller, 0:03 — call back by "))
        #expect(result.stdout.contains("Attachment: voicemail-"))
        #expect(result.stdout.contains("preview without --transcribe"))
        #expect(result.stdout.contains("this voicemail is not in the ledger"))
        let html = try String(contentsOf: folder.url.appendingPathComponent("card.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        let eml = try String(contentsOf: folder.url.appendingPathComponent("card.eml"), encoding: .utf8)
        #expect(eml.contains("Content-Type: audio/mpeg"))
        #expect(eml.contains("Content-Type: text/calendar"))
        #expect(cards.isEmpty)
        #expect(try await ringback("callbacks", "list").stdout.contains("No open callbacks"))
        #expect(try await ringback("card", "preview", "spool/missing.wav").status == 1)
    }

    @Test func outboxListsWhatWasSentAndRefusesToRetryWhatDidNotFail() async throws {
        try drop("a.wav")
        _ = try await ringback("reprocess", "spool")
        #expect(try await ringback("outbox").stdout.contains("No unsent messages: everything was delivered."))
        let all = try await ringback("outbox", "list", "--all")
        #expect(all.stdout.contains("1     sent    #1 card to owner@example.com, 1 try"), "\(all.stdout)")
        let json = try await ringback("outbox", "list", "--all", "--json")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(entries.first?["state"] as? String == "sent")
        let retry = try await ringback("outbox", "retry", "1")
        #expect(retry.status == 1)
        #expect(retry.stderr.contains("outbox message 1 is sent, not failed: nothing to retry"))
        #expect(try await ringback("outbox", "retry", "9").stderr.contains("no outbox message with id 9"))
    }

    @Test func checkTriesTheMailServerAndEveryEngineWithoutSendingAnything() async throws {
        let sink = try await SMTPSink.start(.init(auth: .init(user: "ringback", password: "s3cret")))
        defer { sink.stop() }
        let standIn = try OpenAITranscriptionStandIn()
        defer { standIn.stop() }
        let config = folder.url.appendingPathComponent("pipeline.yml")
        let committed = try String(contentsOf: config, encoding: .utf8)
        func write(password: String) throws {
            let text =
                committed
                .replacingOccurrences(of: "  transport: maildir ", with: "  transport: smtp ")
                .replacingOccurrences(of: "    url: \"smtp://mail.example.com:587\"", with: "    url: \"\(sink.url)\"\n    ca_file: \(sink.caFile.path)")
                .replacingOccurrences(of: "    password: \"${SMTP_PASSWORD}\"", with: "    password: \(password)")
                .replacingOccurrences(
                    of: "    - kind: whisper ",
                    with: "    - { kind: openai, url: \"\(standIn.url)\", api_key: sk-test, model: whisper-1 }\n    - kind: whisper ")
            try Data(text.utf8).write(to: config)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config.path)  // it holds a password
        }
        try write(password: "s3cret")
        let good = try await ringback("check")
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.contains("logged in as ringback, NOOP accepted"))
        #expect(good.stdout.contains("✔ engine 1 openai: http://127.0.0.1:"))
        #expect(good.stdout.contains("✔ engine 2 whisper: model \(RealSpeech.modelPath) loads (whisper.cpp 1.8.5)"), "\(good.stdout)")
        #expect(good.stdout.contains("Everything checked out."))

        try write(password: "wrong")
        standIn.stop()
        let bad = try await ringback("check")
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("✘ mail smtp:"))
        #expect(bad.stdout.contains("refused the login of ringback: 535"))
        #expect(bad.stdout.contains("✘ engine 1 openai:"))
        #expect(bad.stdout.contains("2 problems to fix."))
        #expect(!bad.stdout.contains("wrong"), "the password never appears")
        #expect(try sink.messages().isEmpty, "a check sends nothing")
        #expect(standIn.received.isEmpty, "and spends no API quota")

        // The same file readable by every user: check says so, naming the settings, never their values.
        try write(password: "s3cret")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: config.path)
        let exposed = try await ringback("check")
        #expect(exposed.status == 1)
        #expect(exposed.stdout.contains("✘ configuration: readable by every user"), "\(exposed.stdout)")
        #expect(exposed.stdout.contains("mail.smtp.password") && exposed.stdout.contains("api_key"), "\(exposed.stdout)")
        #expect(!exposed.stdout.contains("s3cret") && !exposed.stdout.contains("sk-test"))
    }

    /// A YAML error names the line and the problem; the file's text, secrets included, is never printed.
    @Test func aBrokenConfigurationNeverEchoesItsText() async throws {
        let config = folder.url.appendingPathComponent("pipeline.yml")
        let committed = try String(contentsOf: config, encoding: .utf8)
        try Data(
            committed.replacingOccurrences(of: "    password: \"${SMTP_PASSWORD}\"", with: "    password: \"hunter2-literal\n    oops: [unclosed")
                .utf8
        ).write(to: config)
        let broken = try await ringback("check")
        #expect(broken.status != 0)
        #expect(broken.stderr.contains("not valid YAML") && broken.stderr.contains("line"), "\(broken.stderr)")
        #expect(!(broken.stdout + broken.stderr).contains("hunter2"), "\(broken.stderr)")
    }

    @Test func aNumberOptedOutByHandIsReadAsCallersDialItAndCanOptInAgain() async throws {
        let out = try await ringback("texts", "optout", "(555) 123-0000")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == "+15551230000 will get no more texts.\n")
        #expect(try await ringback("texts", "optin", "+15551230000").stdout == "+15551230000 may be texted again.\n")
        #expect(try await ringback("texts", "optin", "+15551230000").stdout == "+15551230000 had not opted out.\n")
        let bad = try await ringback("texts", "optout", "not a number")
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("is not a phone number Ringback can read"))
        #expect(try await ringback("texts", "list").stdout == "No texts.\n")
    }

    /// `texts show N`: what the caller of callback #N was texted, through which provider, and why, in text and JSON.
    @Test func textsShowSaysWhatOneCallerWasToldAndHow() async throws {
        let twilio = try TwilioStandIn()
        defer { twilio.stop() }
        try drop("a.wav")
        try Data(#"{"caller_name": "Maria Lopez", "caller_number": "+15551230000"}"#.utf8).write(to: folder.url.appendingPathComponent("spool/a.json"))
        let config = folder.url.appendingPathComponent("pipeline.yml")
        let text = try String(contentsOf: config, encoding: .utf8)
        try Data(
            (text + """

                caller_texts:
                  provider: { kind: twilio, url: "\(twilio.url)", account_sid: \(twilio.accountSID), auth_token: "${TWILIO_AUTH_TOKEN}", from: "+15550001111" }

                """).utf8
        ).write(to: config)
        func ringback(_ arguments: String...) async throws -> RingbackCLI.Result {
            try await RingbackCLI.run(arguments, in: folder.url, environment: ["TWILIO_AUTH_TOKEN": "twilio-test-token"])
        }
        let run = try await ringback("reprocess", "spool")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(twilio.violations.isEmpty, "\(twilio.violations)")
        let shown = try await ringback("texts", "show", "1")
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.hasPrefix("Callback #1 Maria Lopez · (555) 123-0000, due "), "\(shown.stdout)")
        // "We got your message" in business hours, "We are closed now" outside them: the test runs at any hour.
        #expect(shown.stdout.contains("first to +15551230000 (the caller): sent\n  text:      \"Thanks for calling Acme Plumbing. We "))
        #expect(shown.stdout.contains("  via:       twilio (\(try #require(twilio.received.first?.sid)))"))
        let json = try await ringback("texts", "show", "1", "--json")
        let texts = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(texts.map { $0["state"] as? String } == ["sent"])
        #expect(texts.first?["promisedBy"] != nil)
        #expect(try await ringback("texts", "show", "9").status == 1)
        #expect(try await ringback("texts", "list").stdout.contains("first +15551230000"))
    }

    /// A webhook endpoint that is down: `reprocess` records the events and tries the first; `outbox webhooks` shows
    /// what waits, with the endpoint's host, never its query string; a queued delivery is not "retried" by hand.
    @Test func outboxWebhooksShowsWhatWaitsForAnEndpointThatIsDown() async throws {
        let closed = try HTTPStandIn { _ in .reset }
        let url = closed.baseURL + "/hooks?key=s3cret-in-the-query"
        closed.stop()  // nothing listens there now: connections are refused
        try drop("a.wav")
        let config = folder.url.appendingPathComponent("pipeline.yml")
        let text = try String(contentsOf: config, encoding: .utf8)
        try Data((text + "\nwebhooks:\n  - { url: \"\(url)\", secret: \"${HOOK_SECRET}\", events: [card.sent, callback.opened] }\n").utf8).write(to: config)
        func ringback(_ arguments: String...) async throws -> RingbackCLI.Result {
            try await RingbackCLI.run(arguments, in: folder.url, environment: ["HOOK_SECRET": "0123456789abcdef0123"])
        }
        #expect(try await ringback("reprocess", "spool").status == 0)
        let listed = try await ringback("outbox", "webhooks")
        #expect(listed.status == 0, "\(listed.stderr)")
        let lines = listed.stdout.split(separator: "\n").filter { $0.contains("queued") }
        #expect(lines.count == 2, "\(listed.stdout)")
        #expect(lines.contains { $0.contains("card.sent") } && lines.contains { $0.contains("callback.opened") })
        #expect(listed.stdout.contains("1 try, next "), "the first was tried and waits 5 s")
        #expect(listed.stdout.contains("127.0.0.1: "), "the failure names the host")
        #expect(!(listed.stdout + listed.stderr).contains("s3cret"), "never the query string")
        let json = try await ringback("outbox", "webhooks", "--json")
        let deliveries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(Set(deliveries.compactMap { $0["type"] as? String }) == ["card.sent", "callback.opened"])
        #expect(deliveries.allSatisfy { ($0["eventID"] as? String)?.hasPrefix("msg_") == true })
        let retry = try await ringback("outbox", "retry", "--webhook", "1")
        #expect(retry.status == 1)
        #expect(retry.stderr.contains("webhook delivery 1 is queued, not failed: nothing to retry"))
    }

    @Test func digestPreviewsWithoutSending() async throws {
        try drop("a.wav")
        _ = try await ringback("reprocess", "spool")
        let before = cards.count
        let preview = try await ringback("digest", "--html", "digest.html")
        #expect(preview.status == 0, "\(preview.stderr)")
        #expect(preview.stdout.hasPrefix("Callbacks: 1 callback open"))
        // Due within 4 h of now: today, or after midnight when the test runs late in the evening.
        let section = ["Due today (1)", "Due later (1)"]
        #expect(section.contains { preview.stdout.contains("\($0):\n  #1 Unknown caller") }, "\(preview.stdout)")
        let html = try String(contentsOf: folder.url.appendingPathComponent("digest.html"), encoding: .utf8)
        #expect(section.contains { html.contains($0) })
        #expect(cards.count == before, "a preview sends nothing")
        // With web links configured, each open callback in the digest carries them too.
        let config = folder.url.appendingPathComponent("pipeline.yml")
        let text = try String(contentsOf: config, encoding: .utf8)
        try Data((text + "\nweb: { listen: 127.0.0.1:0, public_url: https://ringback.example.com, secret: a-long-test-secret-0123456789 }\n").utf8).write(
            to: config)
        let linked = try await ringback("digest")
        #expect(linked.stdout.contains("  #1 Unknown caller"))
        #expect(linked.stdout.contains("    Called back: https://ringback.example.com/a/"))
        #expect(linked.stdout.contains("    No callback needed: https://ringback.example.com/a/"))
        let sent = try await ringback("digest", "--send")
        #expect(sent.stdout.contains("Digest sent to owner@example.com"))
        #expect(cards.count == before + 1)
    }

    @Test func aConfigurationErrorNamesTheKeyAndExits2() async throws {
        let config = folder.url.appendingPathComponent("pipeline.yml")
        let text = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "due_within: 4h", with: "due_witin: 4h")
        try Data(text.utf8).write(to: config)
        let result = try await ringback("reprocess", "spool")
        #expect(result.status == 2)
        #expect(result.stderr.contains("callbacks.due_witin"))
    }

    @Test func watchPicksUpANewFileAndStopsCleanlyOnSIGTERM() async throws {
        try drop("before.wav")  // already there when the watcher starts: caught up
        let process = try RingbackCLI.start(["watch", "--config", "pipeline.yml"], in: folder.url)
        defer { if process.isRunning { process.terminate() } }
        try await waitFor { cards.count == 1 }

        // A new file, written elsewhere and renamed in (as a PBX does).
        let staged = try AudioFixture.write(folder.url.appendingPathComponent("staging.wav"), seconds: 1)
        try FileManager.default.moveItem(at: staged, to: folder.url.appendingPathComponent("spool/after.wav"))
        try await waitFor { cards.count == 2 }

        kill(process.processIdentifier, SIGTERM)
        try await waitFor { !process.isRunning }
        #expect(process.terminationStatus == 0)
        #expect(cards.count == 2)
    }

    /// A bound for liveness, not a speed test: the committed config transcribes each file offline, and a loaded
    /// 2-core machine running the suite in parallel can take a while.
    private func waitFor(timeout: Duration = .seconds(120), _ condition: () -> Bool) async throws {
        if try await !Eventually.holds(within: timeout, condition) { Issue.record("condition not met within \(timeout)") }
    }
}
