public import Foundation
public import RingbackCore

/// The callback promise: how soon a caller must hear back, counted in the hours the business is open.
public struct CallbacksConfig: Sendable, Decodable {
    public var dueWithin: ConfigDuration
    /// When set, `due_within` counts only these hours (in the owner's time zone), skipping `holidays`.
    public var businessHours: BusinessHours?
    /// Urgent calls (`flag=Urgent`, the Urgent folder, `urgent_keywords`, `vip`): due this long after the call,
    /// around the clock.
    public var urgentDueWithin: ConfigDuration
    /// Words that make a call urgent when the transcript contains them (whole words, any case).
    public var urgentKeywords: [String]
    /// Numbers whose calls are always urgent, E.164 (`+15551230000`).
    public var vip: Set<String>
    /// The PBX's call records, to close callbacks by themselves.
    public var cdr: CDRConfig?
    /// A reminder this long before the deadline (none when nil); another goes out at the deadline.
    public var remindBefore: ConfigDuration?
    /// Whether a reminder goes out when the deadline passes.
    public var remindAtDeadline: Bool
    /// Who hears about a callback still open `escalate_after` past its deadline (nobody when empty).
    public var escalateTo: [MailAddress]
    public var escalateAfter: ConfigDuration
    /// Reminders due in these hours (owner's time zone) wait until they end: `"21:00-07:00"`.
    public var quietHours: QuietHours?
    /// The morning summary of unreturned calls.
    public var digest: DigestConfig? = nil
    /// What an inbound call nobody answered (from `cdr`) gets: a card, a line in the digest, or nothing.
    public var missedCalls: MissedCalls = .card
    /// Robocalls and pitches kept out of the way; nil: every call is taken at its word.
    public var spam: SpamConfig? = SpamConfig()

    public enum MissedCalls: String, Sendable, CaseIterable {
        case card, digest, off
    }

    public static let defaultDueWithin = ConfigDuration(.seconds(4 * 3600))
    public static let defaultUrgentDueWithin = ConfigDuration(.seconds(3600))

    public init(
        dueWithin: ConfigDuration = defaultDueWithin, businessHours: BusinessHours? = nil, urgentDueWithin: ConfigDuration = defaultUrgentDueWithin,
        urgentKeywords: [String] = [], vip: Set<String> = [], cdr: CDRConfig? = nil, remindBefore: ConfigDuration? = nil,
        remindAtDeadline: Bool = true, escalateTo: [MailAddress] = [], escalateAfter: ConfigDuration = .init(.seconds(3600)),
        quietHours: QuietHours? = nil
    ) {
        self.cdr = cdr
        self.remindBefore = remindBefore
        self.remindAtDeadline = remindAtDeadline
        self.escalateTo = escalateTo
        self.escalateAfter = escalateAfter
        self.quietHours = quietHours
        self.dueWithin = dueWithin
        self.businessHours = businessHours
        self.urgentDueWithin = urgentDueWithin
        self.urgentKeywords = urgentKeywords
        self.vip = vip
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case dueWithin = "due_within"
        case businessHours = "business_hours"
        case holidays
        case urgentDueWithin = "urgent_due_within"
        case urgentKeywords = "urgent_keywords"
        case vip, cdr
        case remindBefore = "remind_before"
        case remindAtDeadline = "remind_at_deadline"
        case escalateTo = "escalate_to"
        case escalateAfter = "escalate_after"
        case quietHours = "quiet_hours"
        case digest
        case missedCalls = "missed_calls"
        case spam
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dueWithin = try container.decodeIfPresent(ConfigDuration.self, forKey: .dueWithin) ?? Self.defaultDueWithin
        urgentDueWithin = try container.decodeIfPresent(ConfigDuration.self, forKey: .urgentDueWithin) ?? Self.defaultUrgentDueWithin
        urgentKeywords = try container.decodeIfPresent([String].self, forKey: .urgentKeywords) ?? []
        vip = Set(try container.decodeIfPresent([String].self, forKey: .vip) ?? [])
        cdr = try container.decodeIfPresent(CDRConfig.self, forKey: .cdr)
        remindBefore = try container.decodeIfPresent(ConfigDuration.self, forKey: .remindBefore)
        remindAtDeadline = try container.decodeIfPresent(Bool.self, forKey: .remindAtDeadline) ?? true
        var escalateTo: [MailAddress] = []
        for text in try container.decodeIfPresent([String].self, forKey: .escalateTo) ?? [] {
            guard let address = MailAddress(parsing: text) else { throw container.invalid(.escalateTo, "not a mail address: \"\(text)\"") }
            escalateTo.append(address)
        }
        self.escalateTo = escalateTo
        escalateAfter = try container.decodeIfPresent(ConfigDuration.self, forKey: .escalateAfter) ?? .init(.seconds(3600))
        digest = try container.decodeIfPresent(DigestConfig.self, forKey: .digest)
        missedCalls = try container.decodeChoice(.missedCalls, default: .card)
        // `spam: off` turns every signal off; no key keeps the defaults.
        if (try? container.decodeIfPresent(String.self, forKey: .spam)) == "off" {
            spam = nil
        } else {
            spam = try container.decodeIfPresent(SpamConfig.self, forKey: .spam) ?? SpamConfig()
        }
        if let quiet = try container.decodeIfPresent(String.self, forKey: .quietHours) {
            guard let hours = QuietHours(parsing: quiet) else {
                throw container.invalid(.quietHours, "expected hours like \"21:00-07:00\", found \"\(quiet)\"")
            }
            quietHours = hours
        } else {
            quietHours = nil
        }
        for number in vip where !number.hasPrefix("+") || number.dropFirst().contains(where: { !$0.isNumber }) {
            throw container.invalid(.vip, "expected E.164 numbers like +15551230000, found \"\(number)\"")
        }
        if let days = try container.decodeIfPresent([String: String].self, forKey: .businessHours) {
            var hours: BusinessHours
            do throws(BusinessHoursError) {
                hours = try BusinessHours.parse(days)
            } catch {
                throw ConfigError(.invalid, key: (container.codingPath + [CodingKeys.businessHours]).dotted + ".\(error.key)", error.message)
            }
            guard !hours.isEmpty else { throw container.invalid(.businessHours, "has no open hours at all") }
            let holidays = try container.decodeIfPresent([String].self, forKey: .holidays) ?? []
            for day in holidays where day.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) == nil {
                throw container.invalid(.holidays, "expected dates like 2026-12-25, found \"\(day)\"")
            }
            hours.holidays = Set(holidays)
            businessHours = hours
        } else if container.contains(.holidays) {
            throw container.invalid(.holidays, "holidays need business_hours")
        } else {
            businessHours = nil
        }
    }

    /// When a call received at `receivedAt` must be returned. Urgent calls count wall-clock time; the rest count
    /// business hours when they are configured.
    public func deadline(receivedAt: Date, urgent: Bool, timeZone: TimeZone) -> Date {
        if urgent { return receivedAt.addingTimeInterval(urgentDueWithin.seconds) }
        if let businessHours, let due = businessHours.deadline(from: receivedAt, adding: dueWithin.seconds, timeZone: timeZone) { return due }
        return receivedAt.addingTimeInterval(dueWithin.seconds)
    }

    /// The later time a running-late text promises: the deadline counted again from the later of now and the current
    /// deadline ("by 3:00 PM today" becomes "by 10:00 AM tomorrow" with 4 business hours from 2:00 PM).
    public func laterDeadline(than dueAt: Date, urgent: Bool, now: Date, timeZone: TimeZone) -> Date {
        deadline(receivedAt: max(now, dueAt), urgent: urgent, timeZone: timeZone)
    }

    /// Whether a transcript names one of `urgent_keywords` (as a whole word or phrase, any case).
    public func isUrgent(transcript: String) -> Bool {
        let words = Words(transcript)
        return urgentKeywords.contains(where: words.contain)
    }
}

/// Hours when no reminder mail goes out, in the owner's time zone; may run past midnight (`21:00-07:00`).
public struct QuietHours: Sendable, Equatable {
    /// Minutes after midnight.
    public var start: Int
    public var end: Int

    public init?(parsing text: String) {
        let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        func minutes(_ text: String) -> Int? {
            let pieces = text.split(separator: ":")
            guard pieces.count == 2, let hour = Int(pieces[0]), let minute = Int(pieces[1]), (0..<24).contains(hour), (0..<60).contains(minute) else {
                return nil
            }
            return hour * 60 + minute
        }
        guard parts.count == 2, let start = minutes(parts[0]), let end = minutes(parts[1]), start != end else { return nil }
        self.start = start
        self.end = end
    }

    /// When the quiet hours containing `date` end; nil when `date` is not in them.
    public func end(containing date: Date, timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        let inside = start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
        guard inside else { return nil }
        return calendar.nextDate(after: date, matching: DateComponents(hour: end / 60, minute: end % 60), matchingPolicy: .nextTime)
    }
}
