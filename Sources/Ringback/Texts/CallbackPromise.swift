public import Foundation
import RingbackCore

/// The callback time said the way people say it, in the owner's time zone, relative to when the text is sent:
/// `by 3:00 PM today`, `by 10:00 AM tomorrow`, `by Monday 11:30 AM`, `by Mon Dec 14, 9:00 AM`.
public enum CallbackPromise {
    public static func phrase(_ deadline: Date, now: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let days = calendar.dateComponents([.day], from: calendar.startOfDay(for: now), to: calendar.startOfDay(for: deadline)).day ?? 0
        let time = WallClock.format(deadline, "h:mm a", in: timeZone)
        switch days {
        case ...0: return "by \(time) today"
        case 1: return "by \(time) tomorrow"
        case 2...6: return "by \(WallClock.format(deadline, "EEEE", in: timeZone)) \(time)"
        default: return "by \(WallClock.format(deadline, "EEE MMM d", in: timeZone)), \(time)"
        }
    }
}
