public import Foundation
public import RingbackCore

/// `callbacks.cdr`: the PBX's call records, followed to open a callback for every inbound call nobody answered and to
/// close callbacks when the owner has called the number back (or the caller got through).
public struct CDRConfig: Sendable, Decodable {
    public enum Format: String, Sendable, Decodable, CaseIterable { case asterisk, freeswitch }

    public var path: String
    public var format: Format
    /// The zone the PBX writes times in; default the owner's (`UTC` for Asterisk's `usegmtime=yes`).
    public var timezone: TimeZone?
    /// An answered call shorter than this is an attempt (voicemail, a hang-up), not a callback.
    public var minTalkSeconds: Int
    /// FreeSWITCH's `cdr_csv` template, as column names (`caller_id_number`, `destination_number`, `context`,
    /// `start_stamp`, `duration`, `billsec`, `hangup_cause`; `last_app` lets voicemail be told from a menu).
    public var columns: [String]?
    public var poll: ConfigDuration
    /// Where the PBX handles calls from outside (Asterisk `dcontext`, FreeSWITCH `context`): only calls there can be
    /// missed calls.
    public var inboundContexts: Set<String>
    /// An unanswered inbound call shorter than this is a misdial, not a missed call.
    public var minRingSeconds: Int
    /// A missed call's card waits this long after the hang-up, so the voicemail left on the same call (its file lands
    /// a little later) makes one card, not two.
    public var voicemailWait: ConfigDuration
    /// Missed calls that ended longer ago than this when first read (a year of records on the first start, a
    /// `watch` stopped for days) open no callback: they are counted in the log instead.
    public var openWithin: ConfigDuration

    /// FreePBX's and Asterisk's usual contexts for calls from trunks (Asterisk's sample `incoming`), and
    /// FreeSWITCH's `public`.
    public static let defaultInboundContexts: Set<String> = [
        "from-trunk", "from-pstn", "from-external", "from-did-direct", "ext-did", "ext-group", "ext-queues", "ext-local", "incoming", "public",
    ]

    public init(
        path: String, format: Format = .asterisk, timezone: TimeZone? = nil, minTalkSeconds: Int = 10, columns: [String]? = nil,
        poll: ConfigDuration = .init(.seconds(10)), inboundContexts: Set<String> = defaultInboundContexts, minRingSeconds: Int = 5,
        voicemailWait: ConfigDuration = .init(.seconds(120)), openWithin: ConfigDuration = .init(.seconds(24 * 3600))
    ) {
        self.inboundContexts = inboundContexts
        self.minRingSeconds = minRingSeconds
        self.voicemailWait = voicemailWait
        self.openWithin = openWithin
        self.path = path
        self.format = format
        self.timezone = timezone
        self.minTalkSeconds = minTalkSeconds
        self.columns = columns
        self.poll = poll
    }

    /// FreeSWITCH's stock `cdr_csv` template (`default` in cdr_csv.conf.xml).
    public static let freeswitchDefaultColumns = [
        "caller_id_name", "caller_id_number", "destination_number", "context", "start_stamp", "answer_stamp", "end_stamp",
        "duration", "billsec", "hangup_cause", "uuid", "bleg_uuid", "accountcode", "read_codec", "write_codec",
    ]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, format, timezone
        case minTalkSeconds = "min_talk_seconds"
        case columns, poll
        case inboundContexts = "inbound_contexts"
        case minRingSeconds = "min_ring_seconds"
        case voicemailWait = "voicemail_wait"
        case openWithin = "open_within"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decodeNonEmpty(.path)
        let formatName = try container.decodeIfPresent(String.self, forKey: .format) ?? "asterisk"
        guard let format = Format(rawValue: formatName) else { throw container.invalid(.format, "expected asterisk | freeswitch, found \"\(formatName)\"") }
        self.format = format
        if let zone = try container.decodeIfPresent(String.self, forKey: .timezone) {
            guard let timezone = TimeZone(identifier: zone) else { throw container.invalid(.timezone, "not an IANA time zone: \"\(zone)\"") }
            self.timezone = timezone
        }
        minTalkSeconds = try container.decodeIfPresent(Int.self, forKey: .minTalkSeconds) ?? 10
        guard minTalkSeconds >= 0 else { throw container.invalid(.minTalkSeconds, "must be 0 or more") }
        columns = try container.decodeIfPresent([String].self, forKey: .columns)
        if columns != nil, format == .asterisk { throw container.invalid(.columns, "only for format: freeswitch (Asterisk's columns are fixed)") }
        poll = try container.decodeIfPresent(ConfigDuration.self, forKey: .poll) ?? .init(.seconds(10))
        inboundContexts = Set(try container.decodeIfPresent([String].self, forKey: .inboundContexts) ?? Array(Self.defaultInboundContexts))
        minRingSeconds = try container.decodeIfPresent(Int.self, forKey: .minRingSeconds) ?? 5
        guard minRingSeconds >= 0 else { throw container.invalid(.minRingSeconds, "must be 0 or more") }
        voicemailWait = try container.decodeIfPresent(ConfigDuration.self, forKey: .voicemailWait) ?? .init(.seconds(120))
        openWithin = try container.decodeIfPresent(ConfigDuration.self, forKey: .openWithin) ?? .init(.seconds(24 * 3600))
        do throws(CallRecordFormatError) {
            _ = try recordFormat(ownerTimeZone: .current)
        } catch {
            throw container.invalid(.columns, "needs a \(error.missing) column")
        }
    }

    /// How to read a line of the file.
    public func recordFormat(ownerTimeZone: TimeZone) throws(CallRecordFormatError) -> CallRecordFormat {
        let zone = timezone ?? ownerTimeZone
        switch format {
        case .asterisk: return .asterisk(timeZone: zone)
        case .freeswitch: return try .freeswitch(columns: columns ?? Self.freeswitchDefaultColumns, timeZone: zone)
        }
    }
}
