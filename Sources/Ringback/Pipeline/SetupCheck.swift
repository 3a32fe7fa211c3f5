import Foundation
import RingbackCurl
import RingbackWhisper

/// `ringback check`: everything a running service will need, tried now, each with a plain result.
///
/// Nothing is sent and no API quota is spent: SMTP gets EHLO, STARTTLS, AUTH and NOOP; HTTP engines get a TCP and
/// TLS connection with the certificate verified; the offline whisper engine loads its model.
public struct SetupCheck: Sendable {
    public struct Item: Sendable, Encodable {
        public var subject: String
        public var ok: Bool
        public var detail: String
    }

    public let config: PipelineConfig

    public init(config: PipelineConfig) {
        self.config = config
    }

    /// Bytes free for an ordinary user on the filesystem holding `path`.
    static func freeSpace(at path: String) -> Int64? {
        (try? FileManager.default.attributesOfFileSystem(forPath: path)[.systemFreeSize] as? NSNumber)?.int64Value
    }

    public func run() async -> [Item] {
        var items: [Item] = config.fileWarnings.map { Item(subject: "configuration", ok: false, detail: $0) }
        for intake in config.intake {
            let pushed = intake.path == config.web?.push?.folder
            let writer = pushed ? "web.push stores uploads in it" : intake.after != .keep ? "after: archive/delete needs it" : nil
            items.append(folder(intake.path, key: "intake", writer: writer, what: "\(intake.layout.rawValue) drop folder"))
        }
        items.append(contentsOf: await ledger())
        items.append(creatable(config.quarantine, key: "quarantine", what: "the quarantine folder"))
        items.append(await mail())
        for (index, engine) in config.transcription.engines.enumerated() where engine.kind != .none {
            items.append(await check(engine, number: index + 1))
        }
        if let web = config.web { items.append(listener(web)) }
        if let cdr = config.callbacks.cdr { items.append(callRecords(cdr)) }
        return items
    }

    /// The ledger, read-only: a check never creates one (a missing one after a deletion must not look fine).
    private func ledger() async -> [Item] {
        let shown = LedgerStore.shown(config)
        let subject = "ledger \(shown)"
        guard !PostgresLocation.isURL(config.ledger) else {
            do throws(LedgerError) {
                let found = try await LedgerStore.inspect(config)
                var server = "PostgreSQL"
                if let postgres = (try? LedgerStore.open(config)) as? PostgresLedger, let described = try? await postgres.describe() { server = described }
                guard let found else {
                    return [
                        Item(
                            subject: subject, ok: true,
                            detail: "answers (\(server)); no Ringback tables yet: the first `ringback watch` creates them")
                    ]
                }
                let schema = found.current ? "schema up to date" : "schema older than this Ringback (watch upgrades it when it starts)"
                return [
                    Item(
                        subject: subject, ok: found.problems.isEmpty,
                        detail: found.problems.isEmpty ? "answers (\(server)), \(schema)" : found.problems.joined(separator: "; "))
                ]
            } catch {
                return [Item(subject: subject, ok: false, detail: error.message)]
            }
        }
        let ledgerFolder = URL(fileURLWithPath: config.ledger).deletingLastPathComponent().path
        var items = [creatable(ledgerFolder, key: "ledger", what: "the ledger's folder")]
        do throws(LedgerError) {
            let room = Self.freeSpace(at: ledgerFolder).map { ", \(CardComposer.megabytes($0)) free on its disk" } ?? ""
            if let found = try await LedgerStore.inspect(config) {
                let schema = found.current ? "schema up to date" : "schema older than this Ringback (watch upgrades it when it starts)"
                items.append(
                    found.problems.isEmpty
                        ? Item(subject: subject, ok: true, detail: "opens, \(schema), every page sound\(room)")
                        : Item(subject: subject, ok: false, detail: "damaged: " + found.problems.prefix(3).joined(separator: "; ")))
            } else {
                items.append(
                    Item(
                        subject: subject, ok: true,
                        detail: "not there yet: the first `ringback watch` or `reprocess` creates it\(room). If it existed before, it was deleted: "
                            + "every voicemail still in the drop folders would be sent again"))
            }
        } catch {
            items.append(Item(subject: subject, ok: false, detail: error.message))
        }
        return items
    }

    /// `web`: the listen address is free to bind (nothing else, a running `watch` included, holds it), and what the
    /// links will be. The secret was checked when the configuration loaded (set, and long enough).
    private func listener(_ web: WebConfig) -> Item {
        let subject = "web.listen \(web.host):\(web.port)"
        let links = web.publicURL.map { "links on cards go to \($0)/a/…, signed with web.secret" } ?? "no links on cards (public_url and secret not set)"
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(web.host, String(web.port), &hints, &found) == 0, let address = found else {
            return Item(subject: subject, ok: false, detail: "\(web.host) is not an address of this machine")
        }
        defer { freeaddrinfo(found) }
        let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard descriptor >= 0 else { return Item(subject: subject, ok: false, detail: "no socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
            let reason =
                errno == EADDRINUSE
                ? "in use: another program listens there (a ringback watch already running, perhaps)"
                : "cannot listen there: \(String(cString: strerror(errno)))"
            return Item(subject: subject, ok: false, detail: reason)
        }
        return Item(subject: subject, ok: true, detail: "free; \(links)")
    }

    private func mail() async -> Item {
        switch config.mail.transport {
        case .maildir(let path):
            return creatable(path, key: "mail.maildir", what: "the Maildir")
        case .smtp(let smtp):
            let transport = SMTPTransport(smtp)
            do throws(MailError) {
                let offered = try await transport.verify()
                let login = smtp.username.map { " logged in as \($0)," } ?? ""
                return Item(
                    subject: "mail \(transport.name)", ok: true,
                    detail: "connected,\(smtp.starttls == .required ? " TLS," : "")\(login) NOOP accepted (offers: \(offered.joined(separator: ", ")))")
            } catch {
                return Item(subject: "mail \(transport.name)", ok: false, detail: error.message)
            }
        }
    }

    private func check(_ engine: EngineConfig, number: Int) async -> Item {
        let subject = "engine \(number) \(engine.kind.rawValue)"
        if engine.kind == .whisper, let whisper = engine.makeTranscriber() as? WhisperTranscriber {
            do throws(TranscriptionError) {
                try await whisper.prepare()
                return Item(subject: subject, ok: true, detail: "model \(whisper.modelPath) loads (whisper.cpp \(WhisperModel.version))")
            } catch {
                return Item(subject: subject, ok: false, detail: error.message)
            }
        }
        let cloud: [EngineConfig.Kind: String] = [.deepgram: DeepgramTranscriber.defaultURL, .assemblyai: AssemblyAITranscriber.defaultURL]
        guard let url = engine.url ?? cloud[engine.kind] else { return Item(subject: subject, ok: false, detail: "no url") }
        do throws(CurlError) {
            try await HTTPClient().connect(url, caFile: engine.caFile)
            let tls = url.hasPrefix("https://") ? " (TLS certificate verified)" : ""
            return Item(subject: subject, ok: true, detail: "\(Self.origin(url)) reachable\(tls); `ringback probe --transcribe FILE` tries a real request")
        } catch {
            return Item(subject: subject, ok: false, detail: "\(Self.origin(url)): \(error.message)")
        }
    }

    /// `https://api.openai.com` from a full endpoint URL.
    static func origin(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return url }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")"
    }

    /// A folder Ringback reads; `writer` says why it must be writable too, when it must.
    private func folder(_ path: String, key: String, writer: String?, what: String) -> Item {
        var isDirectory: ObjCBool = false
        let manager = FileManager.default
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return Item(subject: "\(key) \(path)", ok: false, detail: "\(what) does not exist")
        }
        guard manager.isReadableFile(atPath: path), manager.isExecutableFile(atPath: path) else {
            return Item(subject: "\(key) \(path)", ok: false, detail: "\(what) is not readable by this user")
        }
        if let writer, !manager.isWritableFile(atPath: path) {
            return Item(subject: "\(key) \(path)", ok: false, detail: "\(what) is not writable, but \(writer)")
        }
        return Item(subject: "\(key) \(path)", ok: true, detail: "\(what), readable\(writer == nil ? "" : " and writable")")
    }

    /// A folder Ringback writes into: it exists and is writable, or it can be created.
    private func creatable(_ path: String, key: String, what: String) -> Item {
        let manager = FileManager.default
        var existing = URL(fileURLWithPath: path)
        while !manager.fileExists(atPath: existing.path), existing.path != "/" { existing.deleteLastPathComponent() }
        let ok = manager.isWritableFile(atPath: existing.path)
        let detail =
            existing.path == path
            ? (ok ? "writable" : "not writable by this user")
            : (ok ? "will be created in \(existing.path)" : "cannot be created: \(existing.path) is not writable")
        return Item(subject: "\(key) \(path)", ok: ok, detail: "\(what): \(detail)")
    }
}
