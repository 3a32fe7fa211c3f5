public import Foundation

/// One row of the PBX's call records, reduced to what closes a callback: who was called, when, for how long.
public struct CallRecord: Sendable, Equatable {
    /// The dialled number as the PBX logged it (`9` + outside number, `+1555…`, an extension).
    public var destination: String
    public var start: Date
    /// Seconds of conversation after answer.
    public var talkSeconds: Int
    public var answered: Bool
}

/// Reads call-detail CSV lines: Asterisk's `cdr_csv` (no header row, every field quoted, quotes doubled, local times
/// without offset, 16 to 21 columns) or a FreeSWITCH `cdr_csv` template whose columns the admin names.
public struct CallRecordFormat: Sendable {
    /// Zero-based columns of the fields Ringback needs.
    public var destination: Int
    public var start: Int
    public var talkSeconds: Int
    /// Asterisk's `disposition` (`ANSWERED`) or FreeSWITCH's `hangup_cause` (`NORMAL_CLEARING` with talk time).
    public var disposition: Int
    public var timeZone: TimeZone

    /// `accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, end, duration,
    /// billsec, disposition, amaflags[, uniqueid, userfield[, peeraccount, linkedid, sequence]]`
    public static func asterisk(timeZone: TimeZone) -> CallRecordFormat {
        CallRecordFormat(destination: 2, start: 9, talkSeconds: 13, disposition: 14, timeZone: timeZone)
    }

    /// Columns named as in FreeSWITCH's `cdr_csv` template: `destination_number`, `start_stamp`, `billsec`,
    /// `hangup_cause` must be among them.
    public static func freeswitch(columns: [String], timeZone: TimeZone) throws(CallRecordFormatError) -> CallRecordFormat {
        func index(_ name: String) throws(CallRecordFormatError) -> Int {
            guard let index = columns.firstIndex(of: name) else { throw CallRecordFormatError(missing: name) }
            return index
        }
        return CallRecordFormat(
            destination: try index("destination_number"), start: try index("start_stamp"), talkSeconds: try index("billsec"),
            disposition: try index("hangup_cause"), timeZone: timeZone)
    }

    /// The record in one CSV line; nil for a line that is not one (blank, too few columns, a bad time).
    public func record(_ line: Substring) -> CallRecord? {
        let fields = Self.fields(line)
        guard fields.count > max(destination, start, talkSeconds, disposition) else { return nil }
        guard let started = WallClock.parse(fields[start], "yyyy-MM-dd HH:mm:ss", in: timeZone) else { return nil }
        let talk = Int(fields[talkSeconds]) ?? 0
        let outcome = fields[disposition].uppercased()
        let answered = outcome == "ANSWERED" || (outcome == "NORMAL_CLEARING" && talk > 0)
        return CallRecord(destination: fields[destination], start: started, talkSeconds: talk, answered: answered)
    }

    /// RFC 4180 fields: quoted or bare, `""` inside quotes is one quote.
    static func fields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if quoted {
                if character == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex, line[next] == "\"" {
                        field.append("\"")
                        index = next
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(field)
                field = ""
            } else if character != "\r" {
                field.append(character)
            }
            index = line.index(after: index)
        }
        fields.append(field)
        return fields
    }
}

public struct CallRecordFormatError: Error, Sendable {
    public var missing: String
}
