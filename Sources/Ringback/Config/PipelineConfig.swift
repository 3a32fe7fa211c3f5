public import Foundation
import Yams

/// Everything `pipeline.yml` says. Relative paths are resolved against the file's folder.
public struct PipelineConfig: Sendable, Decodable {
    public var owner: OwnerConfig
    public var intake: [IntakeConfig]
    public var transcription: TranscriptionConfig
    public var mail: MailConfig
    public var callbacks: CallbacksConfig
    /// A SQLite file, or `postgres://…` for a ledger several machines share.
    public var ledger: String
    /// This machine's PBX, in a shared ledger: its intake and call records are watched by the one node of the site
    /// holding its lease, and its PBX's message ids are told apart from other sites'. Defaults to the host name.
    public var site: String?
    public var quarantine: String
    /// Where this machine keeps its own state beside the ledger (mail being sent, archived recordings): the SQLite
    /// ledger's folder, or `./var` beside `pipeline.yml` when the ledger is on a server.
    public var localFolder: String = "./var"
    /// One-click links, when configured.
    public var web: WebConfig?
    /// Texts to callers with their callback time, when configured.
    public var callerTexts: CallerTextsConfig?
    /// Signed event deliveries to other systems (Standard Webhooks 1.0), when configured.
    public var webhooks: [WebhookEndpointConfig] = []
    /// On SIGTERM, how long `watch` lets the voicemails in flight finish before it cancels them (they resume at
    /// their unfinished stage on the next start).
    public var shutdownGrace = ConfigDuration(.seconds(10))
    /// A voicemail held up (an engine or the mail server down, the disk full) is tried again after this, then after
    /// twice as long each time, at most an hour apart. A transcript still owed after its card: first after twice this.
    public var retryAfter = ConfigDuration(.seconds(30))
    /// Bad input larger than this is not copied into quarantine: its path and reason are recorded instead.
    public var quarantineMaxBytes: Int64 = 64 << 20
    /// Settings holding a password, key or secret as literal text rather than `${VARIABLE}` (by key path).
    public var literalSecrets: [String] = []
    /// What `check` and `watch` warn about the file itself (literal secrets in a file every user can read).
    public var fileWarnings: [String] = []

    public init(
        owner: OwnerConfig, intake: [IntakeConfig], transcription: TranscriptionConfig = .init(), mail: MailConfig,
        callbacks: CallbacksConfig = .init(), ledger: String, quarantine: String
    ) {
        self.owner = owner
        self.intake = intake
        self.transcription = transcription
        self.mail = mail
        self.callbacks = callbacks
        self.ledger = ledger
        self.quarantine = quarantine
        self.localFolder = PostgresLocation.isURL(ledger) ? "./var" : URL(fileURLWithPath: ledger).deletingLastPathComponent().path
        self.web = nil
    }

    /// On a shared ledger, the site this machine's PBX ids are read within: `site`, or the host name.
    public var sharedSite: String? {
        guard PostgresLocation.isURL(ledger) else { return nil }
        return site ?? ProcessInfo.processInfo.hostName.replacingOccurrences(of: "/", with: "-")
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case owner, intake, transcription, mail, callbacks, ledger, quarantine, web, site
        case callerTexts = "caller_texts"
        case webhooks
        case shutdownGrace = "shutdown_grace"
        case retryAfter = "retry_after"
        case quarantineMaxBytes = "quarantine_max_bytes"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        owner = try container.decode(OwnerConfig.self, forKey: .owner)
        intake = try container.decode([IntakeConfig].self, forKey: .intake)
        guard !intake.isEmpty else { throw ConfigError(.missing, key: "intake", "needs at least one folder") }
        transcription = try container.decodeIfPresent(TranscriptionConfig.self, forKey: .transcription) ?? .init()
        mail = try container.decode(MailConfig.self, forKey: .mail)
        callbacks = try container.decodeIfPresent(CallbacksConfig.self, forKey: .callbacks) ?? .init()
        ledger = try container.decodeIfPresent(String.self, forKey: .ledger) ?? "./var/ringback.sqlite"
        if PostgresLocation.isURL(ledger) {
            // A URL that is not PostgreSQL's would otherwise be taken as a file name (a SQLite file called
            // `postgres:`). The error shows the scheme or the part at fault, never the password.
            do throws(PostgresLocationError) {
                _ = try PostgresLocation(url: ledger)
            } catch {
                throw ConfigError(.invalid, key: "ledger", error.description)
            }
        }
        site = try container.decodeIfPresent(String.self, forKey: .site)
        if let site, site.isEmpty || site.count > 64 || site.contains(where: { !($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
            throw ConfigError(.invalid, key: "site", "names this node's PBX in a shared ledger: letters, digits, - _ and . only, at most 64")
        }
        quarantine = try container.decodeIfPresent(String.self, forKey: .quarantine) ?? "./var/rejected"
        web = try container.decodeIfPresent(WebConfig.self, forKey: .web)
        func normal(_ path: String) -> String {
            var path = path
            while path.hasPrefix("./") { path.removeFirst(2) }
            while path.count > 1, path.hasSuffix("/") { path.removeLast() }
            return path
        }
        if let namespace = sharedSite {
            // Pushed voicemail is read within its PBX's name instead (a PBX may push to any node).
            for index in intake.indices where web?.push.map({ normal($0.folder) }) != normal(intake[index].path) { intake[index].namespace = namespace }
        }
        if let push = web?.push {
            guard intake.contains(where: { normal($0.path) == normal(push.folder) && $0.layout == .plain }) else {
                throw ConfigError(
                    .invalid, key: "web.push.folder",
                    "must be one of the intake folders, with layout plain, so watch reads the uploads: add - { path: \(push.folder), layout: plain }")
            }
        }
        callerTexts = try container.decodeIfPresent(CallerTextsConfig.self, forKey: .callerTexts)
        webhooks = try container.decodeIfPresent([WebhookEndpointConfig].self, forKey: .webhooks) ?? []
        if let repeated = webhooks.indices.first(where: { index in webhooks[..<index].contains { $0.url == webhooks[index].url } }) {
            // The index, not the URL: a receiver's URL may carry its key in the query string.
            throw ConfigError(.invalid, key: "webhooks[\(repeated)].url", "repeats an earlier entry's URL: give it one entry with every event it wants")
        }
        shutdownGrace = try container.decodeIfPresent(ConfigDuration.self, forKey: .shutdownGrace) ?? ConfigDuration(.seconds(10))
        retryAfter = try container.decodeIfPresent(ConfigDuration.self, forKey: .retryAfter) ?? ConfigDuration(.seconds(30))
        guard retryAfter.duration > .zero else { throw ConfigError(.invalid, key: "retry_after", "must be longer than 0s") }
        quarantineMaxBytes = try container.decodeIfPresent(Int64.self, forKey: .quarantineMaxBytes) ?? quarantineMaxBytes
        guard quarantineMaxBytes >= 0 else { throw ConfigError(.invalid, key: "quarantine_max_bytes", "must be 0 or more") }
    }
}

extension PipelineConfig {
    /// Reads, expands `${VAR}` from `environment`, validates and resolves paths. Every error names the key.
    public static func load(from url: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> PipelineConfig {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigError(.unreadable, key: "", "cannot read the configuration: \(error.localizedDescription)", file: url.path)
        }
        var config = try parse(text, environment: environment, file: url.path)
        config.resolvePaths(relativeTo: url.deletingLastPathComponent())
        if !config.literalSecrets.isEmpty, let mode = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.posixPermissions] as? NSNumber,
            mode.intValue & 0o004 != 0
        {
            config.fileWarnings.append(
                "readable by every user on this machine, and \(config.literalSecrets.joined(separator: ", ")) "
                    + "\(config.literalSecrets.count == 1 ? "is" : "are") written in it as literal text: "
                    + "`chmod 640 \(url.path)` (you and the ringback group), or set \(config.literalSecrets.count == 1 ? "it" : "them") as ${VARIABLES} from the environment"
            )
        }
        do throws(ConfigError) {
            try config.mail.templates.load()
        } catch {
            var error = error
            error.file = url.path
            throw error
        }
        return config
    }

    /// Parses YAML text. Unset variables are an error only where the setting is used.
    public static func parse(_ text: String, environment: [String: String] = [:], file: String? = nil) throws(ConfigError) -> PipelineConfig {
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                throw ConfigError(.missing, key: "", "the configuration is empty", file: file)
            }
            node = composed
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw ConfigError(.syntax, key: "", "not valid YAML: \(Self.describe(error))", file: file)
        } catch {
            throw ConfigError(.syntax, key: "", "not valid YAML", file: file)
        }
        var unset: [(key: String, variable: String)] = []
        let expanded = EnvironmentExpansion(environment: environment).expand(node, path: "", unset: &unset)
        var config: PipelineConfig
        // A setting refused because its `${VARIABLE}` is not set (an empty secret is "too short") says so instead.
        func unsetFirst(_ error: ConfigError) -> ConfigError {
            guard let (key, variable) = unset.first(where: { error.key == $0.key || error.key.hasPrefix($0.key + ".") }) else { return error }
            return ConfigError(.unsetVariable, key: key, "environment variable \(variable) is not set", file: file)
        }
        do {
            config = try YAMLDecoder().decode(PipelineConfig.self, from: expanded)
        } catch var error as ConfigError {
            error.file = file
            throw unsetFirst(error)
        } catch let error as DecodingError {
            var mapped = ConfigError(decoding: error)
            mapped.file = file
            throw unsetFirst(mapped)
        } catch {
            throw ConfigError(.syntax, key: "", "\(error)", file: file)
        }
        for (key, variable) in unset where config.uses(key) {
            throw ConfigError(.unsetVariable, key: key, "environment variable \(variable) is not set", file: file)
        }
        config.literalSecrets = EnvironmentExpansion.literalSecrets(in: node, path: "")
        return config
    }

    /// Where and what, never the text around it: the offending line may hold a password or an API key.
    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            "\(problem) at line \(mark.line), column \(mark.column)"
        case .reader(let problem, _, _, _): problem
        case .duplicatedKeysInMapping(let duplicates, let context):
            "a key is given twice (\(duplicates.sorted().joined(separator: ", "))) at line \(context.mark.line)"
        default: "the YAML parser gave up"
        }
    }

    /// Whether a setting matters for this configuration (the unused transport's password may stay unset).
    func uses(_ key: String) -> Bool {
        if key.hasPrefix("mail.smtp") { return mail.smtp != nil }
        return true
    }

    mutating func resolvePaths(relativeTo base: URL) {
        func resolve(_ path: String) -> String {
            guard !path.hasPrefix("/") else { return path }
            let expanded = path.hasPrefix("~/") ? NSString(string: path).expandingTildeInPath : path
            guard !expanded.hasPrefix("/") else { return expanded }
            return base.appendingPathComponent(expanded).standardizedFileURL.path
        }
        if !PostgresLocation.isURL(ledger) { ledger = resolve(ledger) }
        localFolder = PostgresLocation.isURL(ledger) ? resolve("./var") : URL(fileURLWithPath: ledger).deletingLastPathComponent().path
        quarantine = resolve(quarantine)
        if let folder = web?.push?.folder { web?.push?.folder = resolve(folder) }
        switch mail.transport {
        case .maildir(let path):
            mail.transport = .maildir(path: resolve(path))
        case .smtp(var smtp):
            smtp.caFile = smtp.caFile.map(resolve)
            mail.transport = .smtp(smtp)
        }
        for index in intake.indices {
            intake[index].path = resolve(intake[index].path)
            intake[index].db = intake[index].db.map(resolve)
            intake[index].archiveTo = intake[index].archiveTo.map(resolve)
        }
        if let cdr = callbacks.cdr { callbacks.cdr?.path = resolve(cdr.path) }
        mail.templates.subject = mail.templates.subject.map(resolve)
        mail.templates.text = mail.templates.text.map(resolve)
        mail.templates.html = mail.templates.html.map(resolve)
        for index in transcription.engines.indices {
            if let caFile = transcription.engines[index].caFile { transcription.engines[index].caFile = resolve(caFile) }
            if transcription.engines[index].kind == .whisper {
                transcription.engines[index].model =
                    transcription.engines[index].model.map(resolve) ?? WhisperModelSearch.defaultPath(configFolder: base)
            }
        }
    }
}

extension ConfigError {
    init(decoding error: DecodingError) {
        switch error {
        case .typeMismatch(let type, let context):
            self.init(.wrongType, key: context.codingPath.dotted, "expected \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            self.init(.missing, key: context.codingPath.dotted, "expected \(Self.describe(type)), found nothing")
        case .keyNotFound(let key, let context):
            self.init(.missing, key: (context.codingPath + [key]).dotted, "required key is missing")
        case .dataCorrupted(let context):
            self.init(.invalid, key: context.codingPath.dotted, context.debugDescription)
        @unknown default:
            self.init(.invalid, key: "", "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a text value"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: "\(type)".hasPrefix("Array") ? "a list" : "a mapping of keys to values"
        }
    }
}
