public import Foundation

/// When the business answers the phone: a weekly schedule in the owner's time zone, minus holidays.
///
/// Deadlines count only open time: a voicemail at 16:50 on Friday with 4 h due, open Mon–Fri 08:00–17:00, is due
/// Monday 11:50. Wall times become instants through the calendar of the owner's time zone, so a day that gains or
/// loses an hour to daylight saving is as long as it really is.
public struct BusinessHours: Sendable, Equatable {
    /// Minutes after local midnight, `start..<end`.
    public struct Span: Sendable, Equatable {
        public var start: Int
        public var end: Int
    }

    /// Index 1 = Sunday … 7 = Saturday (`Calendar` weekday numbers).
    public var week: [Int: [Span]]
    /// Local dates the business is closed all day, `yyyy-MM-dd`.
    public var holidays: Set<String>

    public init(week: [Int: [Span]], holidays: Set<String> = []) {
        self.week = week
        self.holidays = holidays
    }

    public var isEmpty: Bool { week.values.allSatisfy(\.isEmpty) }

    /// `due` of open time after `start`. Nil when the schedule has no open time in the next two years.
    public func deadline(from start: Date, adding due: TimeInterval, timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var remaining = due
        var day = calendar.startOfDay(for: start)
        for _ in 0..<731 {
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            let key = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
            if !holidays.contains(key) {
                for span in week[parts.weekday ?? 0] ?? [] {
                    guard let open = Self.instant(parts, minute: span.start, calendar), let close = Self.instant(parts, minute: span.end, calendar),
                        close > start
                    else { continue }
                    let from = max(open, start)
                    let available = close.timeIntervalSince(from)
                    if available >= remaining { return from.addingTimeInterval(remaining) }
                    remaining -= max(0, available)
                }
            }
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = next
        }
        return nil
    }

    /// The wall time `minute` (0…1440) on the given local date; 24:00 is the next midnight. A wall time that a
    /// spring-forward skips resolves to the first valid instant after it.
    private static func instant(_ date: DateComponents, minute: Int, _ calendar: Calendar) -> Date? {
        var wall = DateComponents(year: date.year, month: date.month, day: date.day, hour: minute / 60, minute: minute % 60)
        if minute == 24 * 60 {
            wall.hour = 0
            wall.minute = 0
            guard let midnight = calendar.date(from: wall) else { return nil }
            return calendar.date(byAdding: .day, value: 1, to: midnight)
        }
        return calendar.date(from: wall)
    }
}

extension BusinessHours {
    /// Parses `{ "mon-fri": "08:00-17:00", "sat": "09:00-12:00, 13:00-15:00", "sun": "closed" }`.
    /// Throws a message naming the bad part; the caller adds the config key.
    public static func parse(_ days: [String: String]) throws(BusinessHoursError) -> BusinessHours {
        let names = ["sun": 1, "mon": 2, "tue": 3, "wed": 4, "thu": 5, "fri": 6, "sat": 7]
        var week: [Int: [Span]] = [:]
        for (dayText, hoursText) in days {
            var weekdays: [Int] = []
            for item in dayText.lowercased().split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                let ends = item.split(separator: "-").map { String($0.prefix(3)) }
                guard let first = ends.first.flatMap({ names[$0] }), let last = (ends.last).flatMap({ names[$0] }), ends.count <= 2 else {
                    throw BusinessHoursError(key: dayText, "expected days like mon, mon-fri or sat,sun; found \"\(dayText)\"")
                }
                var day = first
                while true {
                    weekdays.append(day)
                    if day == last { break }
                    day = day % 7 + 1
                }
            }
            var spans: [Span] = []
            if hoursText.trimmingCharacters(in: .whitespaces).lowercased() != "closed" {
                for range in hoursText.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                    let times = range.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
                    guard times.count == 2, let start = minutes(times[0]), let end = minutes(times[1]), start < end else {
                        throw BusinessHoursError(
                            key: dayText, "expected hours like 08:00-17:00 (start before end, 24:00 at most) or closed; found \"\(hoursText)\"")
                    }
                    spans.append(Span(start: start, end: end))
                }
            }
            spans.sort { $0.start < $1.start }
            for (earlier, later) in zip(spans, spans.dropFirst()) where later.start < earlier.end {
                throw BusinessHoursError(key: dayText, "the hours \"\(hoursText)\" overlap")
            }
            for weekday in weekdays {
                guard week[weekday] == nil else {
                    throw BusinessHoursError(key: dayText, "\(names.first { $0.value == weekday }?.key ?? "a day") is given twice")
                }
                week[weekday] = spans
            }
        }
        return BusinessHours(week: week)
    }

    /// `08:30` → 510; `24:00` → 1440.
    private static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0...24).contains(hour), (0..<60).contains(minute), hour * 60 + minute <= 24 * 60
        else { return nil }
        return hour * 60 + minute
    }
}

/// A `callbacks.business_hours` entry that does not parse, with the day key it is under.
public struct BusinessHoursError: Error, Sendable {
    public var key: String
    public var message: String

    init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }
}
