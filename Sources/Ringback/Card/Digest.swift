public import Foundation
public import RingbackCore

/// The morning summary: open callbacks (overdue first), what came in and what was closed since the last digest, the
/// week's on-time rate and median time to callback, and mail the server refused.
public struct Digest: Sendable {
    public var facts: DigestFacts
    public var now: Date
    public var since: Date
    public var owner: OwnerConfig
    public var from: MailAddress
    public var to: [MailAddress]
    /// One-click links beside each open callback, when `web` signs them.
    public var links: CallbackLinks?

    public init(facts: DigestFacts, now: Date, since: Date, owner: OwnerConfig, from: MailAddress, to: [MailAddress]) {
        self.facts = facts
        self.now = now
        self.since = since
        self.owner = owner
        self.from = from
        self.to = to
    }

    private var overdue: [VoicemailRecord] { facts.open.filter { $0.callbackState(at: now) == .open && $0.dueAt < now } }
    private var waiting: [VoicemailRecord] { facts.open.filter { !($0.callbackState(at: now) == .open && $0.dueAt < now) } }

    private func format(_ date: Date, _ pattern: String) -> String {
        WallClock.format(date, pattern, in: owner.timezone)
    }

    /// `3 h 40 min`, `2 d 1 h`, `12 min`
    static func span(_ seconds: TimeInterval) -> String {
        let minutes = Int((abs(seconds) / 60).rounded())
        if minutes >= 24 * 60 { return "\(minutes / (24 * 60)) d \(minutes % (24 * 60) / 60) h" }
        if minutes >= 60 { return "\(minutes / 60) h \(minutes % 60) min" }
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

    private func line(_ record: VoicemailRecord) -> String {
        let caller = record.caller(owner: owner)
        let state = record.callbackState(at: now)
        let when: String
        if state == .snoozed, let until = record.callbackSnoozedUntil {
            when = "snoozed until \(format(until, "EEE h:mm a"))"
        } else if record.dueAt < now {
            when = "OVERDUE by \(Self.span(now.timeIntervalSince(record.dueAt)))"
        } else {
            when = "due \(format(record.dueAt, "EEE h:mm a"))"
        }
        let number = caller.displayNumber.map { " \($0)" } ?? ""
        return "#\(record.id ?? 0) \(caller.name ?? caller.description)\(caller.name == nil ? "" : number) — \(when)\(record.isUrgent ? ", URGENT" : "")"
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

    /// A line of the digest and, for an open callback, its one-click links.
    private struct Item {
        var text: String
        var links: [(label: String, url: String)] = []
    }

    private func openItem(_ record: VoicemailRecord) -> Item {
        guard let links, let id = record.id else { return Item(text: line(record)) }
        return Item(text: line(record), links: CallbackLinks.Action.onCards.map { ($0.label, links.url($0, voicemailID: id, now: now)) })
    }

    private var sections: [(title: String, lines: [Item], alarm: Bool)] {
        var sections: [(String, [Item], Bool)] = []
        sections.append(("Overdue", overdue.map(openItem), true))
        sections.append(("Open", waiting.map(openItem), false))
        sections.append(
            (
                "New since \(format(since, "EEE h:mm a"))",
                facts.new.map { record in
                    let caller = record.caller(owner: owner)
                    let kind = record.kind == .missedCall ? "missed call" : "voicemail"
                    return Item(
                        text:
                            "#\(record.id ?? 0) \(kind) from \(caller), \(format(record.receivedAt, "EEE h:mm a"))\(record.foldedInto.map { " (joins #\($0))" } ?? "")"
                    )
                }, false
            ))
        sections.append(
            (
                "Closed since \(format(since, "EEE h:mm a"))",
                facts.closed.map { record in
                    let caller = record.caller(owner: owner)
                    let took = record.callbackClosedAt.map { Self.span($0.timeIntervalSince(record.receivedAt)) } ?? "?"
                    let how = record.callbackState == .noCallbackNeeded ? "no callback needed" : "called back after \(took)"
                    return Item(text: "#\(record.id ?? 0) \(caller.name ?? caller.description): \(how) (\(record.callbackClosedBy ?? "?"))")
                }, false
            ))
        sections.append(
            (
                "Mail the server refused",
                facts.refusedMail.map { entry in
                    Item(
                        text:
                            "outbox \(entry.id ?? 0): \(entry.purpose.rawValue) for #\(entry.voicemailID) to \(entry.recipients): \(entry.lastError ?? "refused") — ringback outbox retry \(entry.id ?? 0)"
                    )
                }, true
            ))
        return sections.filter { !$0.1.isEmpty }
    }

    public var plainText: String {
        var lines = [subject, ""]
        for section in sections {
            lines.append("\(section.title) (\(section.lines.count)):")
            for item in section.lines {
                lines.append("  " + item.text)
                lines += item.links.map { "    \($0.label): \($0.url)" }
            }
            lines.append("")
        }
        if sections.isEmpty { lines += ["Nothing is waiting and nothing came in.", ""] }
        lines += [weekLine, "", "-- ", "Ringback digest. ringback callbacks list shows the same; ringback callbacks done ID closes one."]
        return lines.joined(separator: "\n")
    }

    public var html: String {
        let h = MIMEEncoding.html
        var body = ""
        for section in sections {
            let colour = section.alarm ? "#b42318" : "#1f2328"
            body +=
                #"<h2 style="margin:20px 0 6px;font-size:17px;color:\#(colour)">\#(h(section.title)) (\#(section.lines.count))</h2><ul style="margin:0;padding-left:20px">"#
            for item in section.lines {
                let links = item.links.map { #" <a href="\#(h($0.url))" style="color:#0969da;font-size:13px">\#(h($0.label))</a>"# }.joined(separator: " ·")
                body += #"<li style="margin:0 0 4px;color:\#(colour)">\#(h(item.text))\#(links.isEmpty ? "" : "<br>" + links)</li>"#
            }
            body += "</ul>"
        }
        if sections.isEmpty { body = #"<p>Nothing is waiting and nothing came in.</p>"# }
        return HTMLPage.render(
            title: subject,
            content: """
                <h1 style="margin:0 0 8px;font-size:22px">\(h(subject))</h1>
                \(body)
                <p style="margin:20px 0 0;color:#555555">\(h(weekLine))</p>
                <p style="margin:24px 0 0;color:#6e7781;font-size:12px">Ringback digest</p>
                """)
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
