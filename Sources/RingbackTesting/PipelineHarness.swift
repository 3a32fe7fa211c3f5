public import Foundation
public import Logging
public import Ringback
public import RingbackAudio
import RingbackCore

/// A pipeline in a temp folder with a real ledger file, a real Maildir and whatever transport a test needs.
public struct Harness: Sendable {
    public let folder: TemporaryDirectory
    public var config: PipelineConfig

    public var spool: URL { URL(fileURLWithPath: config.intake[0].path) }
    /// The Maildir cards go to.
    public var maildir: URL { folder.url.appendingPathComponent("outbox") }
    public var maildirNew: URL { maildir.appendingPathComponent("new") }
    public var quarantine: URL { URL(fileURLWithPath: config.quarantine) }

    /// Which store the ledger is: a SQLite file in the folder, or a fresh database on the test PostgreSQL server.
    public enum Store: String, Sendable, CaseIterable, CustomStringConvertible {
        case sqlite, postgres
        public var description: String { rawValue }

        /// `RINGBACK_TEST_LEDGER=postgres` runs every harness test on PostgreSQL (`make test` runs the suite twice).
        public static let `default`: Store = ProcessInfo.processInfo.environment["RINGBACK_TEST_LEDGER"].flatMap(Store.init) ?? .sqlite
    }

    public let store: Store

    public init(dueWithin: Duration = .seconds(4 * 3600), store: Store = .default) throws {
        self.store = store
        folder = try TemporaryDirectory("pipeline")
        let root = folder.url.path
        config = PipelineConfig(
            owner: OwnerConfig(name: "Acme Plumbing", email: "owner@example.com", timezone: TimeZone(identifier: "America/Chicago") ?? .current),
            intake: [IntakeConfig(path: root + "/spool")],
            mail: MailConfig(
                from: MailAddress(name: "Ringback", address: "voicemail@example.com"),
                to: [MailAddress(address: "owner@example.com")], maildir: root + "/outbox"),
            callbacks: CallbacksConfig(dueWithin: ConfigDuration(dueWithin)),
            ledger: root + "/var/ringback.sqlite",
            quarantine: root + "/rejected")
        if store == .postgres {
            config.ledger = try PostgresServer.shared().database()
            config.localFolder = root + "/var"
        }
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
    }

    public static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    public func pipeline(
        transcriber: (any Transcriber)? = nil, transport: (any MailTransport)? = nil, ledger: (any Ledger)? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws -> VoicemailPipeline {
        VoicemailPipeline(
            config: config, ledger: try ledger ?? LedgerStore.open(config), transcriber: transcriber,
            transport: transport ?? MaildirTransport(root: maildir), logger: Self.logger, now: now)
    }

    public func smtp(_ sink: SMTPSink, username: String? = nil, password: String? = nil) -> SMTPTransport {
        SMTPTransport(
            SMTPConfig(url: sink.url, username: username, password: password.map(Secret.init), caFile: sink.caFile.path, timeout: ConfigDuration(.seconds(10))))
    }

    public func openAI(_ standIn: OpenAITranscriptionStandIn, key: String = "sk-test") -> OpenAITranscriber {
        OpenAITranscriber(url: standIn.url, apiKey: Secret(key), model: "whisper-1", language: "en", timeout: .seconds(5))
    }

    /// Cards delivered to the Maildir's `new/`.
    public func cards() throws -> [URL] {
        guard FileManager.default.fileExists(atPath: maildirNew.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: maildirNew, includingPropertiesForKeys: nil).sorted { $0.path < $1.path }
    }

    /// A voicemail as a plain drop: a tone in `format`, optionally with an Asterisk sidecar.
    @discardableResult
    public func drop(_ name: String, format: AudioFormat = .pcm16WAV, seconds: Double = 2, sidecar: String? = nil) throws -> URL {
        let url = spool.appendingPathComponent(name)
        try AudioFixture.write(url, format: format, seconds: seconds)
        if let sidecar {
            try Data(sidecar.utf8).write(to: url.deletingPathExtension().appendingPathExtension("txt"))
        }
        return url
    }
}

/// Top-level headers of a message file, unfolded (enough for Maildir assertions; SMTP tests use the strict parser).
public func headers(of url: URL) throws -> [String: String] {
    let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
    guard let end = text.range(of: "\r\n\r\n") else { return [:] }
    var result: [String: String] = [:]
    var last: String?
    for line in text[..<end.lowerBound].components(separatedBy: "\r\n") {
        if line.hasPrefix(" ") || line.hasPrefix("\t"), let key = last {
            result[key, default: ""] += line
        } else if let colon = line.firstIndex(of: ":") {
            let key = String(line[..<colon]).lowercased()
            result[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            last = key
        }
    }
    return result
}

/// Wall times in the harness owner's time zone, America/Chicago: `2026-11-20 16:50` or `2026-09-22 09:30:00`.
public enum Chicago {
    public static let zone = TimeZone(identifier: "America/Chicago") ?? .current

    public static func date(_ text: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = text.count > 16 ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm"
        return formatter.date(from: text) ?? .distantPast  // a typo shows up as a failing date, not a crash
    }
}
