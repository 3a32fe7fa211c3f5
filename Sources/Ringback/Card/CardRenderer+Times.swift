import Foundation
import RingbackCore

/// How a card says times: in the card's time zone, relative to when it is written, the way people say them.
extension CardRenderer {
    /// `0:42`, `1:05:10`: where a segment starts in the recording (rounded down, as a player's position reads).
    static func offset(_ seconds: Double) -> String {
        let total = max(0, Int(seconds))
        let (hours, minutes, rest) = (total / 3600, total % 3600 / 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }

    func format(_ date: Date, _ pattern: String) -> String {
        WallClock.format(date, pattern, in: card.timeZone)
    }

    /// `Tue 10:30 AM`
    var deadlineShort: String { format(card.dueAt, "EEE h:mm a") }
    /// `Tue Sep 22, 5:24 AM`
    func long(_ date: Date) -> String { format(date, "EEE MMM d, h:mm a") }

    /// `today 10:42 AM`, `yesterday 4:10 PM`, `tomorrow 9:00 AM`, `Tue 2:30 PM` within a week, else the long form.
    func relative(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = card.timeZone
        let days = calendar.dateComponents([.day], from: calendar.startOfDay(for: now), to: calendar.startOfDay(for: date)).day ?? 0
        let time = format(date, "h:mm a")
        switch days {
        case 0: return "today \(time)"
        case -1: return "yesterday \(time)"
        case 1: return "tomorrow \(time)"
        case -6...6: return "\(format(date, "EEE")) \(time)"
        default: return long(date)
        }
    }

    /// `in 3 h 40 min`, `overdue by 25 min`: how long until the deadline, to the minute.
    var countdown: String {
        let minutes = Int((card.dueAt.timeIntervalSince(now) / 60).rounded())
        let span = abs(minutes)
        let text =
            span >= 24 * 60
            ? "\(span / (24 * 60)) d \(span % (24 * 60) / 60) h"
            : span >= 60 ? "\(span / 60) h \(span % 60) min" : "\(span) min"
        return minutes >= 0 ? "in \(text)" : "overdue by \(text)"
    }

    /// `Call back by today 2:30 PM — in 3 h 40 min`
    var deadlineLine: String { "\(relative(card.dueAt)) — \(countdown)" }

    /// `2 earlier calls from this number, the last yesterday 4:10 PM`; a repeat call today:
    /// `3rd call today from this number, one callback: #12. 2 earlier calls, the last today 9:02 AM`
    var earlierCallsLine: String? {
        guard let earlier = card.earlierCalls else { return nil }
        let calls = earlier.count == 1 ? "1 earlier call" : "\(earlier.count) earlier calls"
        let history = "\(calls) from this number, the last \(relative(earlier.last))"
        guard card.callsToday.count >= 2 else { return history }
        let joined = card.callbackID.map { ", one callback: #\($0)" } ?? ""
        let times = card.callsToday.map { format($0, "h:mm a") }.joined(separator: ", ")
        return "\(Self.ordinal(card.callsToday.count)) call today\(joined) (at \(times)). \(history)"
    }

    /// `2nd`, `3rd`, `11th`, `22nd`
    static func ordinal(_ number: Int) -> String {
        let suffix = (11...13).contains(number % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][number % 10] ?? "th"
        return "\(number)\(suffix)"
    }
}
