public import Foundation
public import RingbackCore

/// Who cards come from, who they go to, and how they travel.
public struct MailConfig: Sendable, Decodable {
    /// How messages leave, with what that needs: nothing falls back to another transport.
    public enum Transport: Sendable {
        /// Write each card into a Maildir (`tmp/` then rename into `new/`) at `path`: no server needed.
        case maildir(path: String)
        case smtp(SMTPConfig)

        /// `maildir` or `smtp`, as `pipeline.yml` names it.
        public var name: String {
            switch self {
            case .maildir: "maildir"
            case .smtp: "smtp"
            }
        }
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
    /// Copied on every card; may be empty. Parsed and validated like `to`.
    public var cc: [MailAddress] = []
    public var transport: Transport
    /// The Maildir folder, when that is the transport.
    public var maildir: String? {
        if case .maildir(let path) = transport { path } else { nil }
    }
    /// The relay, when that is the transport.
    public var smtp: SMTPConfig? {
        if case .smtp(let smtp) = transport { smtp } else { nil }
    }
    public var attachAudio: AttachAudio = .mp3
    /// Above this the card carries no audio and says where the recording is.
    public var attachMaxBytes: Int = MailConfig.defaultAttachMaxBytes
    /// The admin's Mustache templates for the card's subject, text and HTML.
    public var templates = CardTemplates()
    /// Recipients who read times in another zone than the owner's, by lowercased address.
    public var timezones: [String: TimeZone] = [:]

    public static let defaultAttachMaxBytes = 10_000_000

    public init(from: MailAddress, to: [MailAddress], transport: Transport = .maildir(path: "./var/outbox")) {
        self.from = from
        self.to = to
        self.transport = transport
    }

    public init(from: MailAddress, to: [MailAddress], maildir: String) {
        self.init(from: from, to: to, transport: .maildir(path: maildir))
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case from, to, cc, transport, maildir, smtp
        case attachAudio = "attach_audio"
        case attachMaxBytes = "attach_max_bytes"
        case
            templates, timezones
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let fromText = try container.decodeNonEmpty(.from)
        guard let from = MailAddress(parsing: fromText) else {
            throw container.invalid(.from, "not a mail address: \"\(fromText)\"")
        }
        self.from = from
        let to = try container.decodeAddresses(.to)
        guard !to.isEmpty else { throw ConfigError(.missing, key: (container.codingPath + [CodingKeys.to]).dotted, "needs at least one recipient") }
        self.to = to
        cc = container.contains(.cc) ? try container.decodeAddresses(.cc) : []
        let transportName = try container.decodeIfPresent(String.self, forKey: .transport) ?? "maildir"
        switch transportName {
        case "maildir":
            transport = .maildir(path: try container.decodeIfPresent(String.self, forKey: .maildir) ?? "./var/outbox")
        case "smtp":
            guard let smtp = try container.decodeIfPresent(SMTPConfig.self, forKey: .smtp) else {
                throw ConfigError(.missing, key: (container.codingPath + [CodingKeys.smtp]).dotted, "transport is smtp but there is no smtp section")
            }
            transport = .smtp(smtp)
        default:
            throw container.invalid(.transport, "unknown transport \"\(transportName)\" (expected maildir | smtp)")
        }
        let attach = try container.decodeIfPresent(String.self, forKey: .attachAudio) ?? AttachAudio.mp3.rawValue
        guard let attachAudio = AttachAudio(rawValue: attach) else {
            throw container.invalid(.attachAudio, "expected mp3 | wav | original | none, found \"\(attach)\"")
        }
        self.attachAudio = attachAudio
        attachMaxBytes = try container.decodeIfPresent(Int.self, forKey: .attachMaxBytes) ?? Self.defaultAttachMaxBytes
        guard attachMaxBytes > 0 else { throw container.invalid(.attachMaxBytes, "must be more than 0") }
        templates = try container.decodeIfPresent(CardTemplates.self, forKey: .templates) ?? CardTemplates()
        for (address, name) in try container.decodeIfPresent([String: String].self, forKey: .timezones) ?? [:] {
            guard let zone = TimeZone(identifier: name) else { throw container.invalid(.timezones, "\(address): not an IANA time zone: \"\(name)\"") }
            timezones[address.lowercased()] = zone
        }
    }
}

extension KeyedDecodingContainer {
    /// One address or a list of them; each must parse, and an error names the key and the bad address.
    fileprivate func decodeAddresses(_ key: Key) throws -> [MailAddress] {
        let texts: [String]
        if let single = try? decode(String.self, forKey: key) {
            texts = [single]
        } else {
            texts = try decode([String].self, forKey: key)
        }
        return try texts.map { text in
            guard let address = MailAddress(parsing: text) else { throw invalid(key, "not a mail address: \"\(text)\"") }
            return address
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
    /// An OAuth 2 access token for `username`, sent with XOAUTH2 instead of a password (`"${SMTP_TOKEN}"`).
    public var oauth2Token: Secret?
    public var caFile: String?
    public var timeout: ConfigDuration

    public init(
        url: String, starttls: StartTLS = .required, username: String? = nil, password: Secret? = nil, oauth2Token: Secret? = nil,
        caFile: String? = nil, timeout: ConfigDuration = .init(.seconds(60))
    ) {
        self.url = url
        self.starttls = starttls
        self.username = username
        self.password = password
        self.oauth2Token = oauth2Token
        self.caFile = caFile
        self.timeout = timeout
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case url, starttls, username, password
        case oauth2Token = "oauth2_token"
        case caFile = "ca_file"
        case timeout
    }

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
        oauth2Token = try container.decodeIfPresent(Secret.self, forKey: .oauth2Token)
        if oauth2Token != nil {
            guard password == nil else { throw container.invalid(.oauth2Token, "give either password or oauth2_token, not both") }
            guard username != nil else {
                throw ConfigError(.missing, key: (container.codingPath + [CodingKeys.username]).dotted, "oauth2_token needs the account's username")
            }
        }
        caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
        timeout = try container.decodeIfPresent(ConfigDuration.self, forKey: .timeout) ?? .init(.seconds(60))
    }
}
