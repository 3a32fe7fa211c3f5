import Foundation
import Ringback
import RingbackAudio
import RingbackCore
import RingbackTesting
import Testing

@Suite struct IntakePipelineTests {
    @Test func aHangUpGetsAMissedCallCardWithoutTranscriptionAndStillADeadline() async throws {
        let harness = try Harness()
        let standIn = try OpenAITranscriptionStandIn()
        defer { standIn.stop() }
        let short = try harness.drop("hangup.wav", seconds: 1, sidecar: AudioFixture.asteriskSidecar(msgID: "1790054687-00000001"))
        let silent = harness.spool.appendingPathComponent("silence.wav")
        try AudioFixture.write(silent, seconds: 6, signal: .silence)
        let pipeline = try harness.pipeline(transcriber: harness.openAI(standIn))

        for file in [short, silent] {
            let outcome = await pipeline.process(file)
            #expect(outcome.status == .notified)
            #expect(outcome.detail.contains("missed-call card"))
            let id = try #require(outcome.voicemailID)
            let record = try #require(try await pipeline.ledger.voicemail(id: id))
            #expect(record.kind == .missedCall)
            #expect(record.dueAt > record.receivedAt)
        }
        #expect(standIn.requests.isEmpty)
        let subjects = try harness.cards().map { decodedSubject(try headers(of: $0)["subject"] ?? "") }
        #expect(subjects.contains { $0.hasPrefix("Missed call from Maria Lopez · (555) 123-0000, no message — call back by ") })
        // No recording attached: there is nothing to hear. Where it is, is said.
        for card in try harness.cards() {
            let text = String(decoding: try Data(contentsOf: card), as: UTF8.self).replacingOccurrences(of: "=\r\n", with: "")
            #expect(!text.contains("Content-Type: audio/"))
            #expect(text.contains("Recording: not attached (nothing to hear); it is on the Ringback server at \(harness.spool.path)/"), "\(text.prefix(2000))")
        }
    }

    /// A recording long and loud enough, in which the engine heard no speech (a tone, hold music): a missed call too,
    /// but the machine decided it, so the card says which engine and attaches the recording for the owner to check.
    @Test func aRecordingWithNoSpeechInItIsAMissedCallWithItsRecordingAttached() async throws {
        let harness = try Harness()
        let standIn = try OpenAITranscriptionStandIn(transcript: "")
        defer { standIn.stop() }
        let tone = try harness.drop("tone.wav", seconds: 5, sidecar: AudioFixture.asteriskSidecar())
        let outcome = await (try harness.pipeline(transcriber: harness.openAI(standIn))).process(tone)
        #expect(outcome.detail.contains("missed-call card"), "\(outcome.detail)")
        let card = String(decoding: try Data(contentsOf: try #require(try harness.cards().first)), as: UTF8.self)
            .replacingOccurrences(of: "=\r\n", with: "")
        #expect(card.contains("Content-Type: audio/mpeg"), "the recording is attached")
        #expect(card.contains("heard no speech in the 0:05 recording"), "\(card.prefix(2500))")
        #expect(!card.contains("too short or silent"))
    }

    @Test func aMessageMovedFromINBOXToOldIsTheSameVoicemail() async throws {
        var harness = try Harness()
        let root = harness.folder.url.appendingPathComponent("voicemail")
        harness.config.intake = [IntakeConfig(path: root.path, layout: .asterisk)]
        let inbox = root.appendingPathComponent("default/1001/INBOX")
        let audio = try AudioFixture.write(inbox.appendingPathComponent("msg0000.wav"), seconds: 3)
        try Data(AudioFixture.asteriskSidecar().utf8).write(to: inbox.appendingPathComponent("msg0000.txt"))
        let pipeline = try harness.pipeline()
        #expect(await pipeline.process(audio).status == .notified)

        // The owner listened on the phone: Asterisk moves it to Old/ and renumbers it.
        let old = root.appendingPathComponent("default/1001/Old")
        try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: audio, to: old.appendingPathComponent("msg0003.wav"))
        try FileManager.default.moveItem(at: inbox.appendingPathComponent("msg0000.txt"), to: old.appendingPathComponent("msg0003.txt"))
        let again = await pipeline.process(old.appendingPathComponent("msg0003.wav"))
        #expect(again.status == .skipped)
        #expect(try harness.cards().count == 1)
    }

    @Test func perMailboxRecipientsGetTheCard() async throws {
        var harness = try Harness()
        let root = harness.folder.url.appendingPathComponent("voicemail")
        harness.config.intake = [
            IntakeConfig(path: root.path, layout: .asterisk, mailboxes: ["default/1002": [MailAddress(address: "bob@example.com")]])
        ]
        let inbox = root.appendingPathComponent("default/1002/INBOX")
        let audio = try AudioFixture.write(inbox.appendingPathComponent("msg0000.wav"), seconds: 3)
        try Data(AudioFixture.asteriskSidecar().utf8).write(to: inbox.appendingPathComponent("msg0000.txt"))
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let outcome = await (try harness.pipeline(transport: harness.smtp(sink))).process(audio)
        #expect(outcome.status == .notified)
        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.envelopeTo == ["bob@example.com"])
        #expect(mail.header("To") == "bob@example.com")
    }

    @Test func keepNeverTouchesThePBXFilesAndArchiveMovesThemAfterTheCard() async throws {
        var harness = try Harness()
        let file = try harness.drop("call.wav", sidecar: AudioFixture.asteriskSidecar())
        let before = try snapshot(harness.spool)
        #expect(await (try harness.pipeline()).process(file).status == .notified)
        #expect(try snapshot(harness.spool) == before)

        harness.config.intake[0].after = .archive
        let second = try harness.drop("second.wav", sidecar: AudioFixture.asteriskSidecar(msgID: "1790054687-00000099"))
        #expect(await (try harness.pipeline()).process(second).status == .notified)
        #expect(!FileManager.default.fileExists(atPath: second.path))
        let archived = harness.folder.url.appendingPathComponent("var/archive/second.wav")
        #expect(FileManager.default.fileExists(atPath: archived.path))
        #expect(FileManager.default.fileExists(atPath: archived.deletingPathExtension().appendingPathExtension("txt").path))
    }

    @Test func aFileThatVanishesIsReportedNotQuarantined() async throws {
        let harness = try Harness()
        let pipeline = try harness.pipeline()
        let outcome = await pipeline.process(harness.spool.appendingPathComponent("gone.wav"))
        #expect(outcome.status == .rejected)
        #expect(outcome.detail.contains("no such file"))
        #expect(!FileManager.default.fileExists(atPath: harness.quarantine.path))
    }

    private func snapshot(_ folder: URL) throws -> [String: Double] {
        var result: [String: Double] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)
            result[name] = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970
        }
        return result
    }
}
