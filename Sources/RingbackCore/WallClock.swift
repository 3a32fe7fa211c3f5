public import Foundation
import Synchronization

/// Dates as a pattern in a given time zone, with the POSIX locale so `EEE` and `a` read the same on every machine.
///
/// Making a `DateFormatter` opens an ICU formatter, which cost more CPU per card than everything else but the MP3
/// encoding; one formatter per pattern and zone is kept and used under a lock.
public enum WallClock {
    private static let formatters = Mutex<[String: DateFormatter]>([:])

    public static func format(_ date: Date, _ pattern: String, in zone: TimeZone) -> String {
        withFormatter(pattern, zone) { $0.string(from: date) }
    }

    /// Between 1990 and a day from now (a PBX clock a little fast is not an error): anything else is a broken clock
    /// or a hostile file, and is never stored.
    public static func plausible(_ date: Date, now: Date) -> Bool {
        date >= Date(timeIntervalSince1970: 631_152_000) && date <= now.addingTimeInterval(86_400)
    }

    public static func parse(_ text: String, _ pattern: String, in zone: TimeZone) -> Date? {
        withFormatter(pattern, zone) { $0.date(from: text) }
    }

    private static func withFormatter<Result: Sendable>(_ pattern: String, _ zone: TimeZone, _ body: (DateFormatter) -> Result) -> Result {
        formatters.withLock { cache in
            let key = zone.identifier + " " + pattern
            if let formatter = cache[key] { return body(formatter) }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = pattern
            cache[key] = formatter
            return body(formatter)
        }
    }
}
