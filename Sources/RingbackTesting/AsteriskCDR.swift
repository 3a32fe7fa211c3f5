import Foundation

/// Rows of Asterisk's `Master.csv`, for tests that feed Ringback call records.
public enum AsteriskCDR {
    /// One row of `Master.csv` as Asterisk's `cdr_csv` writes it with `loguniqueid` and `loguserfield` on and the
    /// linked id (21 columns): strings quoted, quotes doubled, `duration`, `billsec` and `sequence` bare, local time.
    public static func row(
        src: String, clid: String, dst: String = "5550001111", context: String = "from-trunk", dstchannel: String = "", lastapp: String,
        lastdata: String = "", start: String, duration: Int, billsec: Int, disposition: String, uniqueid: String, linkedid: String? = nil
    ) -> String {
        func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let begin = Chicago.date(start)
        func stamp(_ date: Date) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = Chicago.zone
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
            return formatter.string(from: date)
        }
        let answer = disposition == "ANSWERED" ? stamp(begin.addingTimeInterval(TimeInterval(duration - billsec))) : ""
        let strings = [
            "", src, dst, context, clid, "PJSIP/trunk-000000\(uniqueid.suffix(2))", dstchannel, lastapp, lastdata, start, answer,
            stamp(begin.addingTimeInterval(TimeInterval(duration))),
        ].map(quoted)
        let tail = ["DOCUMENTATION", uniqueid, "", ""].map(quoted) + [quoted(linkedid ?? uniqueid), "\(uniqueid.suffix(2))"]
        return (strings + ["\(duration)", "\(billsec)", quoted(disposition)] + tail).joined(separator: ",") + "\n"
    }
}
