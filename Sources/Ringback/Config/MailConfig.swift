/// Who cards come from, who they go to, and how they travel.
public struct MailConfig: Sendable, Decodable {
    public enum Transport: String, Sendable, Decodable, CaseIterable {
        /// Write each card into a Maildir (`tmp/` then rename into `new/`): no server needed.
        case maildir
        case smtp
    }

    /// How the recording rides along on the card.
    public enum AttachAudio: String, Sendable, Decodable, CaseIterable {
        /// Transcoded with libsndfile (lame): plays in Gmail, on iPhone and Android, and is small.
        case mp3
        /// 16-bit PCM WAV: plays everywhere, about 10× the size of MP3.
        case wav
        /// The PBX's file as it is (WAV49 and GSM do not play on phones).
        case original
        case none
    }

    public var from: MailAddress
    public var to: [MailAddress]
    public var transport: Transport
    public var maildir: String
    public var smtp: SMTPConfig?
    public var attachAudio: AttachAudio = .mp3
    /// Above this the card carries no audio and says where the recording is.
    public var attachMaxBytes: Int = MailConfig.defaultAttachMaxBytes

    public static let defaultAttachMaxBytes = 10_000_000

    public init(from: MailAddress, to: [MailAddress], transport: Transport = .maildir, maildir: String = "./var/outbox", smtp: SMTPConfig? = nil) {
        self.from = from
        self.to = to
        self.transport = transport
        self.maildir = maildir
        self.smtp = smtp
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case from, to, transport, maildir, smtp, attachAudio = "attach_audio", attachMaxBytes = "attach_max_bytes"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let fromText = try container.decodeNonEmpty(.from)
        guard let from = MailAddress(parsing: fromText) else {
            throw container.invalid(.from, "not a mail address: \"\(fromText)\"")
        }
        self.from = from
        let toTexts: [String]
        if let single = try? container.decode(String.self, forKey: .to) {
            toTexts = [single]
        } else {
            toTexts = try container.decode([String].self, forKey: .to)
        }
        var to: [MailAddress] = []
        for text in toTexts {
            guard let address = MailAddress(parsing: text) else { throw container.invalid(.to, "not a mail address: \"\(text)\"") }
            to.append(address)
        }
        guard !to.isEmpty else { throw ConfigError(.missing, key: (container.codingPath + [CodingKeys.to]).dotted, "needs at least one recipient") }
        self.to = to
        let transportName = try container.decodeIfPresent(String.self, forKey: .transport) ?? "maildir"
        guard let transport = Transport(rawValue: transportName) else {
            throw container.invalid(.transport, "unknown transport \"\(transportName)\" (expected maildir | smtp)")
        }
        self.transport = transport
        maildir = try container.decodeIfPresent(String.self, forKey: .maildir) ?? "./var/outbox"
        smtp = try container.decodeIfPresent(SMTPConfig.self, forKey: .smtp)
        let attach = try container.decodeIfPresent(String.self, forKey: .attachAudio) ?? AttachAudio.mp3.rawValue
        guard let attachAudio = AttachAudio(rawValue: attach) else {
            throw container.invalid(.attachAudio, "expected mp3 | wav | original | none, found \"\(attach)\"")
        }
        self.attachAudio = attachAudio
        attachMaxBytes = try container.decodeIfPresent(Int.self, forKey: .attachMaxBytes) ?? Self.defaultAttachMaxBytes
        guard attachMaxBytes > 0 else { throw container.invalid(.attachMaxBytes, "must be more than 0") }
        if transport == .smtp, smtp == nil {
            throw ConfigError(.missing, key: (container.codingPath + [CodingKeys.smtp]).dotted, "transport is smtp but there is no smtp section")
        }
    }
}

/// An SMTP relay. STARTTLS is required unless `starttls: none` says otherwise.
public struct SMTPConfig: Sendable, Decodable {
    public enum StartTLS: String, Sendable, Decodable, CaseIterable { case required, none }

    public var url: String
    public var starttls: StartTLS
    public var username: String?
    public var password: Secret?
    public var caFile: String?
    public var timeout: ConfigDuration

    public init(url: String, starttls: StartTLS = .required, username: String? = nil, password: Secret? = nil, caFile: String? = nil, timeout: ConfigDuration = .init(.seconds(60))) {
        self.url = url
        self.starttls = starttls
        self.username = username
        self.password = password
        self.caFile = caFile
        self.timeout = timeout
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case url, starttls, username, password, caFile = "ca_file", timeout }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decodeNonEmpty(.url)
        guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://") else {
            throw container.invalid(.url, "expected smtp://host:587 or smtps://host:465, found \"\(url)\"")
        }
        let mode = try container.decodeIfPresent(String.self, forKey: .starttls) ?? "required"
        guard let starttls = StartTLS(rawValue: mode) else {
            throw container.invalid(.starttls, "expected required | none, found \"\(mode)\"")
        }
        self.starttls = starttls
        username = try container.decodeIfPresent(String.self, forKey: .username)
        password = try container.decodeIfPresent(Secret.self, forKey: .password)
        caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
        timeout = try container.decodeIfPresent(ConfigDuration.self, forKey: .timeout) ?? .init(.seconds(60))
    }
}
