import Foundation
import Ringback
import RingbackCore
import RingbackTesting
import Testing

/// The outbox: every card is recorded before its first send; transient failures are retried, permanent ones wait
/// for a person; nothing is lost or sent twice.
@Suite struct OutboxTests {
    @Test func anSMTPOutageDelaysTwentyCardsAndLosesOrDoublesNone() async throws {
        let harness = try Harness()
        let files = try (0..<20).map { try harness.drop("call\($0).wav", seconds: 1 + Double($0) / 10) }
        let down = try await SMTPSink.start()
        let port = down.port
        down.stop()
        let failing = try harness.pipeline(transport: harness.smtp(down))
        for file in files {
            let outcome = await failing.process(file)
            #expect(outcome.status == .pending)
            #expect(outcome.errorCode == .mail(.transport))
        }
        let queued = try await failing.ledger.outbox(.unsent)
        #expect(queued.count == 20)
        #expect(queued.allSatisfy { $0.state == .queued && $0.attempts == 1 })
        #expect(try await failing.ledger.pending(dueBy: .distantFuture).count == 20)

        let sink = try await SMTPSink.start(.init(port: port))  // the server comes back where it was
        defer { sink.stop() }
        let working = try harness.pipeline(transport: harness.smtp(sink))
        for file in files { #expect(await working.process(file).status == .notified) }
        for file in files { #expect(await working.process(file).status == .skipped) }  // a second pass sends nothing

        let mails = try await sink.waitForMessages(count: 20)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try sink.messages().count == 20)
        #expect(Set(mails.compactMap { $0.header("Message-ID") }).count == 20)
        #expect(Set(mails.compactMap { $0.header("X-Ringback-Voicemail") }).count == 20)
        #expect(try await working.ledger.outbox(.unsent).isEmpty)
        #expect(try await working.ledger.outbox(.all).allSatisfy { $0.state == .sent && $0.attempts == 2 })
    }

    @Test func aPermanentRefusalIsRecordedNotRetriedAndSentAfterOutboxRetry() async throws {
        let harness = try Harness()
        let sink = try await SMTPSink.start(.init(auth: .init(user: "ringback", password: "s3cret")))
        defer { sink.stop() }
        let file = try harness.drop("call.wav")
        let wrong = try harness.pipeline(transport: harness.smtp(sink, username: "ringback", password: "typo"))

        let first = await wrong.process(file)
        #expect(first.status == .failed, "\(first.detail)")
        #expect(first.detail.contains("535"))
        #expect(first.detail.contains("ringback outbox retry 1"))
        let id = try #require(first.voicemailID)
        #expect(try await wrong.ledger.voicemail(id: id)?.state == .undeliverable)
        let failed = try #require(try await wrong.ledger.outbox(.failed).first)
        #expect(failed.responseCode == 535)
        #expect(failed.purpose == .card)
        #expect(try await wrong.ledger.pending(dueBy: .distantFuture).isEmpty, "the watcher does not hammer a server that said no")

        // The admin fixes the password and asks for the card again.
        let retried = try await wrong.ledger.retryOutbox(id: try #require(failed.id), at: Date())
        #expect(retried.state == .queued)
        #expect(try await wrong.ledger.pending(dueBy: Date()).map(\.id) == [id])
        let fixed = try harness.pipeline(transport: harness.smtp(sink, username: "ringback", password: "s3cret"))
        #expect(await fixed.process(file).status == .notified)
        #expect(try await sink.waitForMessages(count: 1).count == 1)
        let sent = try #require(try await fixed.ledger.outbox(.all).first)
        #expect(sent.state == .sent)
        #expect(sent.attempts == 2)
        await #expect(throws: LedgerError.self) { try await fixed.ledger.retryOutbox(id: try #require(sent.id), at: Date()) }
    }

    @Test func ccIsInTheHeaderAndTheEnvelopeAndARefusedRecipientIsRecorded() async throws {
        var harness = try Harness()
        harness.config.mail.to = [MailAddress(address: "owner@example.com"), MailAddress(address: "gone@example.com")]
        harness.config.mail.cc = [MailAddress(name: "Office", address: "office@example.com")]
        let sink = try await SMTPSink.start(.init(rejectRecipients: ["gone@example.com"]))
        defer { sink.stop() }
        let file = try harness.drop("call.wav")
        let pipeline = try harness.pipeline(transport: harness.smtp(sink))
        #expect(await pipeline.process(file).status == .notified)
        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.envelopeTo == ["owner@example.com", "office@example.com"])
        #expect(mail.header("Cc") == "Office <office@example.com>")
        let entry = try #require(try await pipeline.ledger.outbox(.all).first)
        #expect(entry.state == .sent)
        #expect(entry.recipients == "owner@example.com, gone@example.com, office@example.com")
        #expect(entry.refused == "gone@example.com: 550 5.1.1 <gone@example.com>: Recipient address rejected")
    }
}

/// `mail.timezones`: a recipient in another zone gets a copy with times in that zone, in its own thread.
@Suite struct RecipientTimeZoneTests {
    @Test func eachZoneGetsItsOwnCopyAndRepliesThreadUnderIt() async throws {
        var harness = try Harness()
        harness.config.mail.to = [MailAddress(address: "owner@example.com"), MailAddress(address: "night@example.com")]
        harness.config.mail.timezones = ["night@example.com": TimeZone(identifier: "Europe/Berlin")!]
        let standIn = try OpenAITranscriptionStandIn()
        defer { standIn.stop() }
        standIn.enqueue(.respond(.json(503, #"{"error":{"message":"overloaded","type":"server_error","param":null,"code":null}}"#)))
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let file = try harness.drop("call.wav", sidecar: AudioFixture.asteriskSidecar())
        let pipeline = try harness.pipeline(transcriber: harness.openAI(standIn), transport: harness.smtp(sink))
        #expect(await pipeline.process(file).status == .notified)
        let cards = try await sink.waitForMessages(count: 2)
        let berlin = try #require(cards.first { $0.envelopeTo == ["night@example.com"] })
        let chicago = try #require(cards.first { $0.envelopeTo == ["owner@example.com"] })
        #expect(berlin.defects.isEmpty && chicago.defects.isEmpty)
        #expect(try #require(berlin.parts(contentType: "text/plain").first?.text).contains("(Europe/Berlin)"))
        #expect(try #require(chicago.parts(contentType: "text/plain").first?.text).contains("(America/Chicago)"))
        let berlinID = try #require(berlin.header("Message-ID"))
        let chicagoID = try #require(chicago.header("Message-ID"))
        #expect(berlinID == chicagoID.replacingOccurrences(of: "@", with: ".tz-europe-berlin@"))
        #expect(berlin.header("To") == "night@example.com")

        // The transcript follows in each copy's own thread.
        #expect(await pipeline.process(file).status == .followedUp)
        let all = try await sink.waitForMessages(count: 4)
        let replies = all.filter { $0.header("In-Reply-To") != nil }
        #expect(Set(replies.compactMap { $0.header("In-Reply-To") }) == [berlinID, chicagoID])
        #expect(replies.first { $0.envelopeTo == ["night@example.com"] }?.header("In-Reply-To") == berlinID)
        #expect(try await pipeline.ledger.outbox(.all).count == 4, "every copy is in the outbox")
    }
}

extension RecipientTimeZoneTests {
    @Test func aCopyRefusedForGoodDoesNotKeepTheCardFromTheOthers() async throws {
        var harness = try Harness()
        harness.config.mail.to = [MailAddress(address: "owner@example.com"), MailAddress(address: "gone@example.com")]
        harness.config.mail.timezones = ["gone@example.com": TimeZone(identifier: "Europe/Berlin")!]
        let sink = try await SMTPSink.start(.init(rejectRecipients: ["gone@example.com"]))
        defer { sink.stop() }
        let pipeline = try harness.pipeline(transport: harness.smtp(sink))
        #expect(await pipeline.process(try harness.drop("call.wav")).status == .notified)
        #expect(try await sink.waitForMessages(count: 1).first?.envelopeTo == ["owner@example.com"])
        let failed = try await pipeline.ledger.outbox(.failed)
        #expect(failed.map(\.recipients) == ["gone@example.com"])
        #expect(failed.first?.messageID.contains(".tz-europe-berlin@") == true)
    }
}
