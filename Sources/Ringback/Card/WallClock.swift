import Foundation

/// Dates as a pattern in a given time zone, with the POSIX locale so `EEE` and `a` read the same on every machine.
enum WallClock {
    static func format(_ date: Date, _ pattern: String, in zone: TimeZone) -> String {
        formatter(pattern, zone).string(from: date)
    }

    static func parse(_ text: String, _ pattern: String, in zone: TimeZone) -> Date? {
        formatter(pattern, zone).date(from: text)
    }

    private static func formatter(_ pattern: String, _ zone: TimeZone) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = pattern
        return formatter
    }
}
