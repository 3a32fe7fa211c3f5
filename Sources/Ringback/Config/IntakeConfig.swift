public import RingbackCore

/// One folder a PBX drops voicemail into, and how that PBX lays it out.
public struct IntakeConfig: Sendable, Decodable {
    public enum Layout: String, Sendable, Decodable, CaseIterable {
        /// Any audio files; caller details from a `NAME.json` sidecar, the filename `pattern`, an Asterisk-style
        /// `NAME.txt`, or the WAV INFO strings.
        case plain
        /// Asterisk's spool: `<context>/<mailbox>/<folder>/msgNNNN.<ext>`, ready when `msgNNNN.txt` appears.
        case asterisk
        /// FreeSWITCH mod_voicemail: `<profile>/<domain>/<id>/msg_<uuid>.<ext>`, metadata in its SQLite `db`.
        case freeswitch
    }

    /// What to do with the PBX's files once the card is out. Ringback never touches them unless told to.
    public enum After: String, Sendable, Decodable, CaseIterable { case keep, archive, delete }

    public var path: String
    public var layout: Layout
    /// Set: poll the folder at this interval (network mounts where inotify sees nothing). Unset: inotify.
    public var poll: ConfigDuration?
    /// A plain file must be closed and unchanged this long before it is read.
    public var settle: ConfigDuration
    /// Filename pattern with named fields, e.g. `{number}_{received:yyyyMMdd-HHmmss}_{mailbox}.wav`.
    public var pattern: String?
    /// Recipients per mailbox: `"1001"` or `"context/1001"` (FreeSWITCH: `"user@domain"`); `mail.to` otherwise.
    public var mailboxes: [String: [MailAddress]]
    /// FreeSWITCH's voicemail database (`voicemail_default.db`), opened read-only.
    public var db: String?
    /// Recordings shorter than this are missed calls without a message.
    public var minSeconds: Double
    public var after: After
    /// Where `after: archive` moves files (default `<ledger folder>/archive`).
    public var archiveTo: String?
    /// An Asterisk recording whose `.txt` never comes is processed anyway after this long, as an unknown caller.
    public var orphanAfter: ConfigDuration
    /// On a shared ledger, this machine's `site`, which the PBX's message ids are read within (not a setting of
    /// its own: `PipelineConfig` sets it).
    public var namespace: String?

    public init(
        path: String, layout: Layout = .plain, poll: ConfigDuration? = nil, settle: ConfigDuration = .init(.seconds(2)),
        pattern: String? = nil, mailboxes: [String: [MailAddress]] = [:], db: String? = nil, minSeconds: Double = 2,
        after: After = .keep, archiveTo: String? = nil, orphanAfter: ConfigDuration = .init(.seconds(600))
    ) {
        self.path = path
        self.layout = layout
        self.poll = poll
        self.settle = settle
        self.pattern = pattern
        self.mailboxes = mailboxes
        self.db = db
        self.minSeconds = minSeconds
        self.after = after
        self.archiveTo = archiveTo
        self.orphanAfter = orphanAfter
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, layout, poll, settle, pattern, mailboxes, db, after
        case minSeconds = "min_seconds"
        case archiveTo = "archive_to"
        case orphanAfter = "orphan_after"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decodeNonEmpty(.path)
        layout = try container.decodeChoice(.layout, default: .plain)
        poll = try container.decodeIfPresent(ConfigDuration.self, forKey: .poll)
        settle = try container.decodeIfPresent(ConfigDuration.self, forKey: .settle) ?? .init(.seconds(2))
        pattern = try container.decodeIfPresent(String.self, forKey: .pattern)
        if let pattern {
            do {
                _ = try FilenamePattern(pattern)
            } catch {
                throw container.invalid(.pattern, error.description)
            }
        }
        var mailboxes: [String: [MailAddress]] = [:]
        for (box, texts) in try container.decodeIfPresent([String: [String]].self, forKey: .mailboxes) ?? [:] {
            mailboxes[box] = try texts.map { text in
                guard let address = MailAddress(parsing: text) else {
                    throw ConfigError(.invalid, key: (container.codingPath + [CodingKeys.mailboxes]).dotted + ".\(box)", "not a mail address: \"\(text)\"")
                }
                return address
            }
        }
        self.mailboxes = mailboxes
        db = try container.decodeIfPresent(String.self, forKey: .db)
        if layout == .freeswitch, db == nil {
            throw ConfigError(
                .missing, key: (container.codingPath + [CodingKeys.db]).dotted,
                "the freeswitch layout needs its voicemail database (db: …/voicemail_default.db)")
        }
        minSeconds = try container.decodeIfPresent(Double.self, forKey: .minSeconds) ?? 2
        after = try container.decodeChoice(.after, default: .keep)
        archiveTo = try container.decodeIfPresent(String.self, forKey: .archiveTo)
        orphanAfter = try container.decodeIfPresent(ConfigDuration.self, forKey: .orphanAfter) ?? .init(.seconds(600))
    }

    /// The mailbox's own recipients, most specific key first.
    public func recipients(mailbox: String?, context: String?) -> [MailAddress]? {
        guard let mailbox else { return nil }
        if let context {
            if let specific = mailboxes["\(context)/\(mailbox)"] ?? mailboxes["\(mailbox)@\(context)"] { return specific }
        }
        return mailboxes[mailbox]
    }
}
