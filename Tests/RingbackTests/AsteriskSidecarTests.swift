import Foundation
import Ringback
import RingbackTesting
import Testing

@Suite struct AsteriskSidecarTests {
    let folder: TemporaryDirectory

    init() throws {
        folder = try TemporaryDirectory("sidecar")
    }

    @Test func readsEveryKeyAsteriskWrites() throws {
        let url = try folder.write(AudioFixture.asteriskSidecar(), to: "msg0000.txt")
        let sidecar = try AsteriskSidecar(contentsOf: url)
        #expect(sidecar.messageID == "1790054687-00000006")
        #expect(sidecar.originTime == Date(timeIntervalSince1970: 1_790_054_687))
        #expect(sidecar.durationSeconds == 2)
        #expect(sidecar.callerID.name == "Maria Lopez")
        #expect(sidecar.callerID.number == "+15551230000")
        #expect(sidecar.mailbox == "1001")
        #expect(sidecar.context == "from-internal")
        #expect(sidecar.fields["callerchan"] == "PJSIP/trunk-0000001a")
        #expect(sidecar.fields["origdate"] == "Tue Sep 22 05:24:47 AM UTC 2026")
        #expect(!sidecar.isUrgent)
    }

    @Test func theUrgentFlagIsRead() throws {
        let url = try folder.write(AudioFixture.asteriskSidecar(flag: "Urgent"), to: "msg0001.txt")
        #expect(try AsteriskSidecar(contentsOf: url).isUrgent)
    }

    @Test func garbageLinesAreIgnoredButNoMessageSectionIsMalformed() throws {
        let noisy = try folder.write("garbage line\n" + AudioFixture.asteriskSidecar() + "more garbage\n=\n", to: "noisy.txt")
        #expect(try AsteriskSidecar(contentsOf: noisy).messageID == "1790054687-00000006")
        let wrong = try folder.write("hello world\nthis is not a sidecar\n", to: "wrong.txt")
        #expect(throws: IntakeError.self) { try AsteriskSidecar(contentsOf: wrong) }
    }

    @Test func invalidUTF8AndNULAreMalformed() throws {
        let invalid = try folder.path("bad-utf8.txt")
        try Data([0x5B, 0x6D, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x5D, 0x0A, 0xFF, 0xFE, 0x3D, 0x31]).write(to: invalid)
        let error = try #require(throws: IntakeError.self) { try AsteriskSidecar(contentsOf: invalid) }
        #expect(error.description.contains("bad-utf8.txt"))
        #expect(error.reason.contains("UTF-8"))

        let nul = try folder.path("nul.txt")
        try Data(("[message]\ncallerid=x\u{0}y\n").utf8).write(to: nul)
        #expect(throws: IntakeError.self) { try AsteriskSidecar(contentsOf: nul) }
    }

    @Test func anOversizedSidecarIsRefusedWithoutReadingIt() throws {
        let big = try folder.path("big.txt")
        try Data(count: 10 << 20).write(to: big)
        let error = try #require(throws: IntakeError.self) { try AsteriskSidecar(contentsOf: big) }
        #expect(error.reason.contains("larger"))
    }
}
