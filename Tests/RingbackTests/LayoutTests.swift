import Foundation
import GRDB
import Ringback
import RingbackAudio
import RingbackCore
import RingbackTesting
import Testing

/// Each PBX's drop folder, written the way that PBX writes it.
@Suite struct LayoutTests {
    let folder: TemporaryDirectory
    let owner = OwnerConfig(name: "Acme", email: "owner@example.com", timezone: TimeZone(identifier: "America/Chicago") ?? .current)

    init() throws {
        folder = try TemporaryDirectory("layout")
    }

    /// Asterisk's order: record in tmp/, rename each format into the folder, then the `.txt` last.
    @discardableResult
    func asteriskMessage(_ number: Int, folder box: String = "INBOX", mailbox: String = "1001", msgID: String = "1790054687-00000006", sidecar: Bool = true)
        throws -> URL
    {
        let spool = folder.url.appendingPathComponent("voicemail/default/\(mailbox)")
        let tmp = spool.appendingPathComponent("tmp")
        let target = spool.appendingPathComponent(box)
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let name = String(format: "msg%04d", number)
        for (ext, format) in [("WAV", AudioFormat.wav49), ("gsm", .rawGSM), ("wav", .pcm16WAV)] {
            let staged = try AudioFixture.write(tmp.appendingPathComponent("XYZ.\(ext)"), format: format, seconds: 3)
            try FileManager.default.moveItem(at: staged, to: target.appendingPathComponent("\(name).\(ext)"))
        }
        if sidecar {
            let staged = try folder.write(AudioFixture.asteriskSidecar(msgID: msgID, duration: 3), to: "voicemail/default/\(mailbox)/tmp/XYZ.txt")
            try FileManager.default.moveItem(at: staged, to: target.appendingPathComponent("\(name).txt"))
        }
        return target.appendingPathComponent("\(name).wav")
    }

    var asteriskIntake: IntakeConfig {
        IntakeConfig(
            path: folder.url.appendingPathComponent("voicemail").path, layout: .asterisk, mailboxes: ["1001": [MailAddress(address: "alice@example.com")]])
    }

    @Test func anAsteriskMessageInThreeFormatsIsOneSourceReadFromThePCMFile() throws {
        try asteriskMessage(0)
        let intake = asteriskIntake
        let files = IntakeScanner(layout: .asterisk).candidates(in: [URL(fileURLWithPath: intake.path)])
        let sources = intake.reader(owner: owner).sources(from: files)
        #expect(sources.count == 1)
        let source = try #require(sources.first)
        #expect(source.audio.lastPathComponent == "msg0000.wav")
        #expect(source.alternates.map(\.lastPathComponent) == ["msg0000.WAV", "msg0000.gsm"])
        let probe = try VoicemailProbe.probe(source, layout: intake.reader(owner: owner))
        #expect(probe.identity.key == "msg_id:1790054687-00000006")
        #expect(probe.metadata.mailbox == "1001")
        #expect(probe.metadata.context == "default")
        #expect(probe.metadata.folder == "INBOX")
        #expect(probe.caller.name == "Maria Lopez")
        #expect(probe.caller.number == "+15551230000")
        #expect(intake.recipientsForTest(probe) == ["alice@example.com"])
    }

    @Test func aMessageIsNotReadyUntilItsTxtArrives() throws {
        let audio = try asteriskMessage(1, sidecar: false)
        let intake = asteriskIntake
        let reader = intake.reader(owner: owner)
        let source = VoicemailSource(audio: audio, intake: intake)
        guard case .waiting(let why) = reader.readiness(of: source, now: Date()) else {
            Issue.record("ready without its .txt")
            return
        }
        #expect(why.contains("msg0001.txt"))
        try Data(AudioFixture.asteriskSidecar().utf8).write(to: audio.deletingPathExtension().appendingPathExtension("txt"))
        #expect(reader.readiness(of: source, now: Date()) == .ready)
        // An orphan whose .txt never comes is taken after orphan_after, as an unknown caller.
        try FileManager.default.removeItem(at: audio.deletingPathExtension().appendingPathExtension("txt"))
        #expect(reader.readiness(of: source, now: Date().addingTimeInterval(601)) == .ready)
    }

    @Test func greetingsAndTmpAreNotMessages() throws {
        try asteriskMessage(0)
        let mailbox = folder.url.appendingPathComponent("voicemail/default/1001")
        for greeting in ["unavail.wav", "busy.WAV", "greet.gsm", "temp.wav"] {
            try AudioFixture.write(mailbox.appendingPathComponent(greeting), seconds: 1)
        }
        try AudioFixture.write(mailbox.appendingPathComponent("tmp/abc.wav"), seconds: 1)
        let files = IntakeScanner(layout: .asterisk).candidates(in: [folder.url.appendingPathComponent("voicemail")])
        #expect(files.map(\.lastPathComponent).sorted() == ["msg0000.WAV", "msg0000.gsm", "msg0000.wav"])
    }

    @Test func theUrgentFolderMarksAMessageUrgent() throws {
        let audio = try asteriskMessage(0, folder: "Urgent")
        let intake = asteriskIntake
        let probe = try VoicemailProbe.probe(VoicemailSource(audio: audio, intake: intake), layout: intake.reader(owner: owner))
        #expect(probe.isUrgent)
    }

    @Test func freeSwitchMetadataComesFromItsDatabaseReadOnly() throws {
        let db = folder.url.appendingPathComponent("voicemail_default.db")
        let uuid = "3f2a9c1e-1111-4a2b-9c3d-abcdef012345"
        let storage = folder.url.appendingPathComponent("storage/voicemail/default/pbx.example.com/1002")
        let audio = try AudioFixture.write(storage.appendingPathComponent("msg_\(uuid).wav"), seconds: 3)
        let queue = try DatabaseQueue(path: db.path)
        try queue.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE voicemail_msgs (created_epoch INTEGER, read_epoch INTEGER, username VARCHAR(255), domain VARCHAR(255),
                      uuid VARCHAR(255), cid_name VARCHAR(255), cid_number VARCHAR(255), in_folder VARCHAR(255), file_path VARCHAR(255),
                      message_len INTEGER, flags VARCHAR(255), read_flags VARCHAR(255), forwarded_by VARCHAR(255))
                    """)
        }
        let intake = IntakeConfig(
            path: folder.url.appendingPathComponent("storage/voicemail").path, layout: .freeswitch,
            mailboxes: ["1002@pbx.example.com": [MailAddress(address: "bob@example.com")]], db: db.path)
        let reader = intake.reader(owner: owner)
        let source = VoicemailSource(audio: audio, intake: intake)
        #expect(reader.readiness(of: source, now: Date()) != .ready)  // the row comes after the file

        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO voicemail_msgs VALUES (1790054687, 0, '1002', 'pbx.example.com', ?, 'Chen Wei', '3105550123', 'inbox', ?, 3, '', '', '')",
                arguments: [uuid, audio.path])
        }
        #expect(reader.readiness(of: source, now: Date()) == .ready)
        let probe = try VoicemailProbe.probe(source, layout: reader)
        #expect(probe.identity.key == "uuid:\(uuid)")
        #expect(probe.caller.name == "Chen Wei")
        #expect(probe.caller.number == "+13105550123")
        #expect(probe.receivedAt == Date(timeIntervalSince1970: 1_790_054_687))
        #expect(probe.metadata.mailbox == "1002")
        #expect(probe.metadata.context == "pbx.example.com")
        #expect(intake.recipientsForTest(probe) == ["bob@example.com"])
    }

    @Test(
        arguments: [
            ("{number}_{received:yyyyMMdd-HHmmss}_{mailbox}.wav", "3125550142_20260922-143005_1001.wav", nil, "+13125550142", "1001"),
            ("{name} ({number}) {received:yyyy-MM-dd HH.mm}.wav", "Maria López (312-555-0142) 2026-09-22 14.30.wav", "Maria López", "+13125550142", nil),
        ] as [(String, String, String?, String, String?)])
    func filenamePatternsGiveCallerTimeAndMailbox(pattern: String, name file: String, caller: String?, number: String, mailbox: String?) throws {
        let intake = IntakeConfig(path: folder.url.path, pattern: pattern)
        let audio = try AudioFixture.write(folder.url.appendingPathComponent(file), seconds: 2)
        let probe = try VoicemailProbe.probe(VoicemailSource(audio: audio, intake: intake), layout: intake.reader(owner: owner))
        #expect(probe.caller.name == caller)
        #expect(probe.caller.number == number)
        #expect(probe.metadata.mailbox == mailbox)
        #expect(probe.receivedSource == "pattern")
        let parts = Calendar(identifier: .gregorian).dateComponents(in: owner.timezone, from: probe.receivedAt)
        #expect((parts.year, parts.month, parts.day, parts.hour, parts.minute) == (2026, 9, 22, 14, 30))
    }

    @Test func aJSONSidecarWinsOverThePatternAndInfoStringsAreTheLastResort() throws {
        let intake = IntakeConfig(path: folder.url.path, pattern: "{number}_{mailbox}.wav")
        let audio = try AudioFixture.write(folder.url.appendingPathComponent("3125550142_1001.wav"), seconds: 2)
        try folder.write(
            #"{"caller_name": "Dana Scully", "caller_number": "+1 202 555 0199", "received_at": "2026-09-22T14:30:00Z", "mailbox": "7"}"#,
            to: "3125550142_1001.json")
        let probe = try VoicemailProbe.probe(VoicemailSource(audio: audio, intake: intake), layout: intake.reader(owner: owner))
        #expect(probe.caller.name == "Dana Scully")
        #expect(probe.caller.number == "+12025550199")
        #expect(probe.metadata.mailbox == "7")
        #expect(probe.receivedAt == Date(timeIntervalSince1970: 1_790_087_400))

        let tagged = try AudioFixture.write(
            folder.url.appendingPathComponent("tagged.wav"), seconds: 2, info: [.artist: "\"Fox Mulder\" <2025550188>", .date: "2026-09-22T10:00:00Z"])
        let plain = IntakeConfig(path: folder.url.path)
        let fromInfo = try VoicemailProbe.probe(VoicemailSource(audio: tagged, intake: plain), layout: plain.reader(owner: owner))
        #expect(fromInfo.caller.name == "Fox Mulder")
        #expect(fromInfo.caller.number == "+12025550188")
        #expect(fromInfo.receivedSource == "info")
    }

    @Test func aBrokenJSONSidecarIsBadInputNamingTheFile() throws {
        let intake = IntakeConfig(path: folder.url.path)
        let audio = try AudioFixture.write(folder.url.appendingPathComponent("call.wav"), seconds: 2)
        try folder.write("{not json", to: "call.json")
        let error = try #require(throws: VoicemailProbeError.self) {
            try VoicemailProbe.probe(VoicemailSource(audio: audio, intake: intake), layout: intake.reader(owner: owner))
        }
        #expect(error.path.hasSuffix("call.json"))
    }

    @Test func aSymlinkLoopDoesNotTrapTheScanner() throws {
        let inner = folder.url.appendingPathComponent("a/b")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: inner.appendingPathComponent("loop"), withDestinationURL: folder.url.appendingPathComponent("a"))
        try AudioFixture.write(inner.appendingPathComponent("x.wav"), seconds: 1)
        let files = IntakeScanner().candidates(in: [folder.url])
        #expect(files.map(\.lastPathComponent) == ["x.wav"])
    }

    @Test func namesWithSpacesQuotesAndNonASCIIAreReadLikeAnyOther() throws {
        let intake = IntakeConfig(path: folder.url.path)
        let audio = try AudioFixture.write(folder.url.appendingPathComponent(#"Anruf von "Jürgen" 13.30 Uhr.wav"#), seconds: 2)
        let probe = try VoicemailProbe.probe(VoicemailSource(audio: audio, intake: intake), layout: intake.reader(owner: owner))
        #expect(probe.path == audio.path)
    }
}

extension IntakeConfig {
    func recipientsForTest(_ probe: VoicemailProbe) -> [String]? {
        recipients(mailbox: probe.metadata.mailbox, context: probe.metadata.context)?.map(\.address)
    }
}
