import Foundation
import Logging
import Ringback
import RingbackTesting
import Testing

/// Closing callbacks from the PBX's call records: Asterisk's and FreeSWITCH's CSV, followed as they grow and rotate.
@Suite struct CallRecordTests {

    /// An Asterisk `Master.csv` line: every field quoted, local time, 16 columns (or 18 with uniqueid and userfield).
    static func asterisk(dst: String, start: String, billsec: Int, disposition: String, extra: Bool = false) -> String {
        let fields =
            [
                "", "1001", dst, "from-internal", #""Acme Front Desk" <1001>"#, "PJSIP/1001-00000010", "PJSIP/trunk-00000011", "Dial",
                "PJSIP/\(dst)@trunk,60", start, disposition == "ANSWERED" ? start : "", start, "\(billsec + 5)", "\(billsec)", disposition,
                "DOCUMENTATION",
            ] + (extra ? ["1790054687.16", ""] : [])
        return fields.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") + "\n"
    }

    struct Setup {
        let harness: Harness
        let pipeline: VoicemailPipeline
        let csv: URL
        let voicemailID: Int64

        /// A voicemail from Maria Lopez (+1 555-123-0000) received Tue Sep 22 2026 00:24:47 Chicago time.
        init(dialPrefixes: [String] = ["9"], transcriber: (any Transcriber)? = nil) async throws {
            var harness = try Harness()
            harness.config.owner.dialPrefixes = dialPrefixes
            csv = harness.folder.url.appendingPathComponent("Master.csv")
            harness.config.callbacks.cdr = CDRConfig(path: csv.path, timezone: Chicago.zone, minTalkSeconds: 10)
            self.harness = harness
            pipeline = try harness.pipeline(transcriber: transcriber)
            let file = try harness.drop("call.wav", sidecar: AudioFixture.asteriskSidecar())
            let outcome = await pipeline.process(file)
            voicemailID = try #require(outcome.voicemailID)
            _ = FileManager.default.createFile(atPath: csv.path, contents: nil)
        }

        func closer() throws -> CallRecordSync {
            try CallRecordSync(config: try #require(harness.config.callbacks.cdr), pipeline: harness.config, ledger: pipeline.ledger, logger: Harness.logger)
        }

        func append(_ text: String, to url: URL? = nil) throws {
            let handle = try FileHandle(forWritingTo: url ?? csv)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        }

        var record: VoicemailRecord {
            get async throws { try #require(try await pipeline.ledger.voicemail(id: voicemailID)) }
        }
    }

    @Test func anAnsweredCallBackClosesTheCallbackAndShortOrUnansweredOnesAreTries() async throws {
        let setup = try await Setup()
        let closer = try setup.closer()
        try setup.append(
            Self.asterisk(dst: "915551230000", start: "2026-09-21 18:00:00", billsec: 60, disposition: "ANSWERED")  // before the voicemail
                + Self.asterisk(dst: "1002", start: "2026-09-22 08:00:00", billsec: 60, disposition: "ANSWERED")  // an internal call
                + Self.asterisk(dst: "915551230000", start: "9999-12-31 23:59:59", billsec: 300, disposition: "ANSWERED")  // a broken clock
                + Self.asterisk(dst: "915551230000", start: "2026-09-22 08:05:00", billsec: 0, disposition: "NO ANSWER")
                + Self.asterisk(dst: "915551230000", start: "2026-09-22 08:10:00", billsec: 4, disposition: "ANSWERED", extra: true))
        let first = try await closer.sync().outcomes
        #expect(first.map(\.action) == [.tried, .tried])
        #expect(try await setup.record.callbackState == .open)
        #expect(try await setup.record.callbackTries == 2)

        try setup.append(Self.asterisk(dst: "9 (555) 123-0000", start: "2026-09-22 09:30:00", billsec: 95, disposition: "ANSWERED"))
        #expect(try await closer.sync().outcomes.map(\.action) == [.done])
        let closed = try await setup.record
        #expect(closed.callbackState == .done)
        #expect(closed.callbackClosedBy == "cdr")
        #expect(closed.callbackClosedAt == Chicago.date("2026-09-22 09:30:00"))
        let history = try await setup.pipeline.ledger.callbackEvents(id: setup.voicemailID)
        #expect(history.map(\.action) == [.tried, .tried, .done])
        #expect(history.last?.note == "answered, talked 95 s")
        #expect(try await closer.sync().outcomes.isEmpty, "nothing new, nothing changes")
    }

    /// The caller asked to be called back on another number: an answered call to that number closes the callback as
    /// one to the caller ID would; a call to a number nobody mentioned changes nothing.
    @Test func aCallToTheNumberSaidInTheMessageClosesTheCallback() async throws {
        let standIn = try OpenAITranscriptionStandIn(
            transcript: "Hi, it's Maria. Please call me on my cell, five five five, nine eight seven, six five four three.")
        defer { standIn.stop() }
        let harness = try Harness()
        let setup = try await Setup(transcriber: harness.openAI(standIn))
        #expect(try await setup.record.spokenNumber == "+15559876543")
        let closer = try setup.closer()
        try setup.append(Self.asterisk(dst: "915550001111", start: "2026-09-22 08:00:00", billsec: 60, disposition: "ANSWERED"))
        #expect(try await closer.sync().outcomes.isEmpty)
        try setup.append(Self.asterisk(dst: "915559876543", start: "2026-09-22 08:30:00", billsec: 45, disposition: "ANSWERED"))
        #expect(try await closer.sync().outcomes.map(\.action) == [.done])
        let closed = try await setup.record
        #expect(closed.callbackState == .done)
        #expect(closed.callbackClosedBy == "cdr")
    }

    @Test func rotationLosesNoLineAndARestartReadsNothingTwice() async throws {
        let setup = try await Setup()
        var closer = try setup.closer()
        try setup.append(Self.asterisk(dst: "915551230000", start: "2026-09-22 08:05:00", billsec: 0, disposition: "BUSY"))
        #expect(try await closer.sync().outcomes.count == 1)

        // logrotate: a last line lands in the old file, it is renamed, and a new Master.csv starts.
        try setup.append(Self.asterisk(dst: "915551230000", start: "2026-09-22 08:15:00", billsec: 0, disposition: "NO ANSWER"))
        try FileManager.default.moveItem(at: setup.csv, to: setup.csv.appendingPathExtension("1"))
        try Data(Self.asterisk(dst: "915551230000", start: "2026-09-22 08:20:00", billsec: 0, disposition: "FAILED").utf8).write(to: setup.csv)
        #expect(try await closer.sync().outcomes.count == 2)
        #expect(try await setup.record.callbackTries == 3)

        // A restart resumes at the saved place: the same lines do not count again; a half-written line waits.
        closer = try setup.closer()
        let line = Self.asterisk(dst: "915551230000", start: "2026-09-22 09:00:00", billsec: 40, disposition: "ANSWERED")
        try setup.append(String(line.prefix(30)))
        #expect(try await closer.sync().outcomes.isEmpty)
        closer = try setup.closer()
        try setup.append(String(line.dropFirst(30)))
        #expect(try await closer.sync().outcomes.map(\.action) == [.done])
        #expect(try await setup.record.callbackTries == 3)
    }

    @Test func freeswitchRecordsWithItsDefaultTemplateCloseCallbacksToo() async throws {
        let setup = try await Setup()
        let config = CDRConfig(path: setup.csv.path, format: .freeswitch, timezone: Chicago.zone)
        let closer = try CallRecordSync(config: config, pipeline: setup.harness.config, ledger: setup.pipeline.ledger, logger: Harness.logger)
        let row = [
            "Acme", "1001", "+15551230000", "default", "2026-09-22 10:00:00", "2026-09-22 10:00:05", "2026-09-22 10:02:05", "125", "120",
            "NORMAL_CLEARING", "uuid-a", "uuid-b", "", "PCMU", "PCMU",
        ].map { "\"\($0)\"" }.joined(separator: ",")
        try setup.append(row + "\n")
        #expect(try await closer.sync().outcomes.map(\.action) == [.done])
    }

    @Test func theConfigurationNamesWhatIsWrong() {
        func key(_ yaml: String) -> String? {
            do {
                _ = try PipelineConfig.parse(ConfigTests.minimal + "\ncallbacks:\n  cdr: " + yaml)
                return nil
            } catch {
                return error.key
            }
        }
        #expect(key("{ path: /var/log/asterisk/cdr-csv/Master.csv }") == nil)
        #expect(key("{ path: x.csv, format: asterisk, columns: [a] }") == "callbacks.cdr.columns")
        #expect(key("{ path: x.csv, format: freeswitch, columns: [destination_number, start_stamp] }") == "callbacks.cdr.columns")
        #expect(key("{ path: x.csv, format: cisco }") == "callbacks.cdr.format")
        #expect(key("{ path: x.csv, timezone: Mars/Olympus }") == "callbacks.cdr.timezone")
    }

}
