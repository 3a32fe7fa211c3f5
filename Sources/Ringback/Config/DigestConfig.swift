public import Foundation
public import RingbackCore

/// `callbacks.digest`: a morning summary of unreturned calls, sent once per slot.
public struct DigestConfig: Sendable, Decodable {
    /// Minutes after midnight, owner's time zone.
    public var at: Int
    /// `Calendar` weekdays (1 = Sunday … 7 = Saturday).
    public var days: Set<Int>
    /// Recipients; the card recipients (`mail.to`) when empty.
    public var to: [MailAddress]

    public init(at: Int = 7 * 60 + 30, days: Set<Int> = [2, 3, 4, 5, 6], to: [MailAddress] = []) {
        self.at = at
        self.days = days
        self.to = to
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case at, days, to }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let time = try container.decodeIfPresent(String.self, forKey: .at) ?? "07:30"
        let parts = time.split(separator: ":")
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute) else {
            throw container.invalid(.at, "expected a time like 07:30, found \"\(time)\"")
        }
        at = hour * 60 + minute
        let dayText = try container.decodeIfPresent(String.self, forKey: .days) ?? "mon-fri"
        do throws(BusinessHoursError) {
            let week = try BusinessHours.parse([dayText: "00:00-24:00"])
            days = Set(week.week.keys)
        } catch {
            throw container.invalid(.days, error.message)
        }
        var to: [MailAddress] = []
        for text in try container.decodeIfPresent([String].self, forKey: .to) ?? [] {
            guard let address = MailAddress(parsing: text) else { throw container.invalid(.to, "not a mail address: \"\(text)\"") }
            to.append(address)
        }
        self.to = to
    }

    /// The latest slot at or before `now` (its instant, and its name like `2026-11-25 07:30`).
    public func latestSlot(atOrBefore now: Date, timeZone: TimeZone) -> (time: Date, name: String)? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var day = calendar.startOfDay(for: now)
        for _ in 0..<8 {
            let weekday = calendar.component(.weekday, from: day)
            if days.contains(weekday),
                let time = calendar.date(
                    from: DateComponents(
                        year: calendar.component(.year, from: day), month: calendar.component(.month, from: day),
                        day: calendar.component(.day, from: day), hour: at / 60, minute: at % 60)),
                time <= now
            {
                return (time, WallClock.format(time, "yyyy-MM-dd HH:mm", in: timeZone))
            }
            guard let previous = calendar.date(byAdding: .day, value: -1, to: day) else { return nil }
            day = previous
        }
        return nil
    }
}
