public import Foundation
public import RingbackCore

/// The morning summary, grouped by what to do: overdue, due today, due later, spam held back, and what was closed
/// since the last digest with the time it took. Each callback says who (a number to tap), how they reached us, the
/// first words of a transcript that can be trusted, the deadline with its countdown, and the one-click links. Then
/// the week: on time by day as a small chart, and the median time to call back.
public struct Digest: Sendable {
    public var facts: DigestFacts
    public var now: Date
    public var since: Date
    public var owner: OwnerConfig
    public var from: MailAddress
    public var to: [MailAddress]
    /// One-click links beside each open callback, when `web` signs them.
    public var links: CallbackLinks?
    /// `transcription.min_confidence`: a transcript under it is a guess and is not quoted.
    public var minConfidence: Double = TranscriptionConfig.defaultMinConfidence

    public init(facts: DigestFacts, now: Date, since: Date, owner: OwnerConfig, from: MailAddress, to: [MailAddress]) {
        self.facts = facts
        self.now = now
        self.since = since
        self.owner = owner
        self.from = from
        self.to = to
    }

    var overdue: [VoicemailRecord] { facts.open.filter { $0.callbackState(at: now) == .open && $0.dueAt < now } }
    /// Open (not snoozed), due between now and midnight.
    var dueToday: [VoicemailRecord] {
        facts.open.filter { $0.callbackState(at: now) == .open && $0.dueAt >= now && $0.dueAt < endOfToday }
    }
    var later: [VoicemailRecord] {
        let listed = Set((overdue + dueToday).compactMap(\.id))
        return facts.open.filter { !listed.contains($0.id ?? -1) }
    }

    var endOfToday: Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = owner.timezone
        return calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: now)) ?? now.addingTimeInterval(86400)
    }

    func format(_ date: Date, _ pattern: String) -> String {
        WallClock.format(date, pattern, in: owner.timezone)
    }

    /// `3 h 40 min`, `2 d 1 h`, `12 min`
    static func span(_ seconds: TimeInterval) -> String {
        let minutes = Int((abs(seconds) / 60).rounded())
        if minutes >= 24 * 60 { return "\(minutes / (24 * 60)) d \(minutes % (24 * 60) / 60) h" }
        if minutes >= 60 { return minutes % 60 == 0 ? "\(minutes / 60) h" : "\(minutes / 60) h \(minutes % 60) min" }
        return "\(minutes) min"
    }

    public var subject: String {
        let open = facts.open.count
        let head =
            overdue.isEmpty
            ? (open == 0 ? "No callbacks waiting" : "\(open) callback\(open == 1 ? "" : "s") open")
            : "\(overdue.count) overdue, \(open) open"
        return "Callbacks: \(head) — \(format(now, "EEE MMM d"))"
    }

    // MARK: One callback

    /// What the digest says about one callback; the text and the HTML parts lay it out each their way.
    struct Entry {
        var id: Int64
        var name: String?
        /// The number to show, and its `tel:` link when it can be dialled.
        var number: String?
        var tel: String?
        /// `voicemail 0:42`, `missed call, rang 20 s`, `3 calls, 1 message`
        var how: String
        /// The first words of a transcript that can be trusted, and whether it is the offline engine's draft.
        var gist: (words: String, draft: Bool)?
        /// `due 12:00 PM (in 3 h 40 min)`, `OVERDUE by 2 h 5 min`, `snoozed until Wed 9:00 AM`, or what closed it.
        var when: String
        /// What the caller was told by text (`caller_texts`), so the owner knows what was promised.
        var told: String?
        var alarm: Bool
        var urgent: Bool
        var links: [(label: String, url: String)] = []
    }

    func entry(_ record: VoicemailRecord, links actions: [CallbackLinks.Action] = CallbackLinks.Action.onCards) -> Entry {
        let caller = record.caller(owner: owner)
        let id = record.id ?? 0
        let calls = [record] + (facts.joined[id] ?? [])
        let state = record.callbackState(at: now)
        let when: String
        if state == .snoozed, let until = record.callbackSnoozedUntil {
            when = "snoozed until \(format(until, "EEE h:mm a"))"
        } else if state.isClosed {
            when = record.spamReason ?? "closed"
        } else if record.dueAt < now {
            when = "OVERDUE by \(Self.span(now.timeIntervalSince(record.dueAt)))"
        } else {
            let day = record.dueAt < endOfToday ? "" : format(record.dueAt, "EEE ")
            when = "due \(day)\(format(record.dueAt, "h:mm a")) (in \(Self.span(record.dueAt.timeIntervalSince(now))))"
        }
        var entry = Entry(
            id: id, name: caller.name, number: caller.displayNumber ?? caller.unrecognisedNumber, tel: caller.telURI, how: Self.how(calls),
            gist: gist(calls), when: when, alarm: state == .open && record.dueAt < now, urgent: record.isUrgent)
        if entry.name == nil, entry.number == nil { entry.name = caller.description }
        entry.told = facts.texts[id]?.toldLine(timeZone: owner.timezone)
        if let links { entry.links = actions.map { ($0.label, links.url($0, voicemailID: id, now: now)) } }
        return entry
    }

    /// How the caller reached us, the whole case counted: `voicemail 0:42`, `missed call, rang 20 s`, `3 calls, 1 message`.
    static func how(_ calls: [VoicemailRecord]) -> String {
        guard calls.count == 1, let call = calls.first else {
            let messages = calls.filter { $0.kind == .voicemail }.count
            return "\(calls.count) calls, \(messages == 0 ? "no message" : messages == 1 ? "1 message" : "\(messages) messages")"
        }
        if call.kind == .voicemail { return "voicemail \(Duration.milliseconds(call.durationMs).callLength)" }
        if let ending = call.missedEnding { return "missed call, \(CardRenderer.waited((ending, call.ringSeconds ?? 0)))" }
        return "missed call, no message"
    }

    /// The newest transcript in the case that is not a guess: a cloud or self-hosted engine's, or the offline draft
    /// at or above `min_confidence` (marked as a draft); its first dozen words.
    func gist(_ calls: [VoicemailRecord]) -> (words: String, draft: Bool)? {
        calls.reversed().lazy.compactMap { $0.firstWords(12, minConfidence: minConfidence) }.first
    }

    // MARK: Sections

    struct Section {
        var title: String
        var entries: [Entry] = []
        /// Lines that are not callbacks (refused mail).
        var notes: [String] = []
        var alarm = false
        var isEmpty: Bool { entries.isEmpty && notes.isEmpty }
    }

    var sections: [Section] {
        var sections = [
            Section(title: "Overdue", entries: overdue.map { entry($0) }, alarm: true),
            Section(title: "Due today", entries: dueToday.map { entry($0) }),
            Section(title: "Due later", entries: later.map { entry($0) }),
            Section(title: "Held back as spam", entries: facts.spam.map { entry($0, links: [.notSpam]) }),
        ]
        let closed = facts.closed.map { record -> Entry in
            var closed = entry(record, links: [])
            let took = record.callbackClosedAt.map { Self.span($0.timeIntervalSince(record.receivedAt)) } ?? "?"
            let by = record.callbackClosedBy.map { ["cdr": "the call records", "link": "a link", "cli": "the command line"][$0] ?? $0 } ?? "?"
            closed.when = record.callbackState == .noCallbackNeeded ? "no callback needed (\(by))" : "called back after \(took) (\(by))"
            closed.gist = nil
            return closed
        }
        sections.append(Section(title: "Closed since \(format(since, "EEE h:mm a"))", entries: closed))
        sections.append(
            Section(
                title: "Mail the server refused",
                notes: facts.refusedMail.map { entry in
                    "outbox \(entry.id ?? 0): \(entry.purpose.rawValue) for #\(entry.voicemailID) to \(entry.recipients): \(entry.lastError ?? "refused") — ringback outbox retry \(entry.id ?? 0)"
                }, alarm: true))
        return sections.filter { !$0.isEmpty }
    }

    // MARK: The week

    /// One day of the chart: callbacks due that day, and how many of them were made on time.
    struct Day {
        var label: String
        var due: Int
        var onTime: Int
    }

    /// The last seven days, oldest first, today last.
    var week: [Day] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = owner.timezone
        let today = calendar.startOfDay(for: now)
        return (0..<7).reversed().map { back -> Day in
            let start = calendar.date(byAdding: .day, value: -back, to: today) ?? today
            let end = calendar.date(byAdding: .day, value: 1, to: start) ?? start
            let due = facts.dueThisWeekRecords.filter { $0.dueAt >= start && $0.dueAt < end }
            let onTime = due.filter { $0.callbackState == .done && ($0.callbackClosedAt ?? .distantFuture) <= $0.dueAt }.count
            return Day(label: format(start, "EEE"), due: due.count, onTime: onTime)
        }
    }

    /// On time / due, and the median callback time, or why there is no figure.
    public var weekLine: String {
        let rate =
            facts.dueThisWeek == 0
            ? "no callbacks were due"
            : "\(facts.onTimeThisWeek) of \(facts.dueThisWeek) due were called back on time (\(Int((Double(facts.onTimeThisWeek) / Double(facts.dueThisWeek) * 100).rounded())) %)"
        let times = facts.callbackTimesThisWeek.sorted()
        let median: String
        if times.isEmpty {
            median = "no callbacks made"
        } else {
            let middle = times.count / 2
            let value = times.count % 2 == 1 ? times[middle] : (times[middle - 1] + times[middle]) / 2
            median = "median time to call back \(Self.span(value)) over \(times.count)"
        }
        return "Last 7 days: \(rate); \(median)."
    }

    // MARK: Text

    public var plainText: String {
        var lines = [subject, ""]
        for section in sections {
            lines.append("\(section.title) (\(section.entries.count + section.notes.count)):")
            for entry in section.entries {
                let who = [entry.name, entry.number].compactMap { $0 }.joined(separator: " ")
                lines.append("  #\(entry.id) \(who) — \(entry.how) — \(entry.when)\(entry.urgent ? ", URGENT" : "")")
                if let gist = entry.gist { lines.append("    \(gist.draft ? "Draft: " : "")“\(gist.words)”") }
                if let told = entry.told { lines.append("    \(told)") }
                lines += entry.links.map { "    \($0.label): \($0.url)" }
            }
            lines += section.notes.map { "  " + $0 }
            lines.append("")
        }
        if sections.isEmpty { lines += ["Nothing is waiting and nothing came in.", ""] }
        lines.append("On time by day: " + week.map { "\($0.label) \($0.onTime)/\($0.due)" }.joined(separator: ", "))
        lines += [weekLine, "", "-- ", "Ringback digest. ringback callbacks list shows the same; ringback callbacks done ID closes one."]
        return lines.joined(separator: "\n")
    }

    /// The whole message: headers, then text and HTML as `multipart/alternative`, CRLF and quoted-printable.
    public func write(to file: URL, messageID: String) throws(CardError) {
        let crlf = MIMEEncoding.crlf
        let boundary = "rb-digest-\(UUID().uuidString)"
        let text =
            MIMEMessage.head(
                from: from, to: to, subject: subject, date: now, timeZone: owner.timezone, messageID: messageID,
                contentType: "multipart/alternative;\(crlf) boundary=\"\(boundary)\"")
            + MIMEMessage.alternative(boundary: boundary, text: plainText, html: html)
        do {
            try Data(text.utf8).write(to: file)
        } catch {
            throw CardError("cannot write \(file.path): \(error.localizedDescription)")
        }
    }
}
