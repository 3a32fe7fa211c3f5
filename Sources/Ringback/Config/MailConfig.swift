/// Who cards come from, who they go to, and how they travel.
public struct MailConfig: Sendable, Decodable {
    public enum Transport: String, Sendable, Decodable, CaseIterable {
        /// Write each card into a Maildir (`tmp/` then rename into `new/`): no server needed.
        case maildir
        case smtp
    }

    public var from: MailAddress
    public var to: [MailAddress]
    public var transport: Transport
    public var maildir: String
    public var smtp: SMTPConfig?

    public init(from: MailAddress, to: [MailAddress], transport: Transport = .maildir, maildir: String = "./var/outbox", smtp: SMTPConfig? = nil) {
        self.from = from
        self.to = to
        self.transport = transport
        self.maildir = maildir
        self.smtp = smtp
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case from, to, transport, maildir, smtp }

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
