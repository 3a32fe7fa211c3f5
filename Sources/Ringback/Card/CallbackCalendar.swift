import Foundation
import RingbackCore

/// The callback as an iCalendar event (RFC 5545) attached to the card: one tap puts "Call back Maria Lopez" in the
/// owner's calendar at the deadline, with the number and what the caller said.
///
/// Times are UTC, so no VTIMEZONE is needed; every text value is escaped and stripped of control characters; lines
/// are folded at 75 octets without splitting a UTF-8 character.
struct CallbackCalendar {
    let card: MessageCard
    let renderer: CardRenderer
    let now: Date

    static let filename = "call-back.ics"

    var text: String {
        let caller = card.caller.name ?? card.caller.displayNumber ?? card.caller.description
        var description = [String]()
        if let number = card.caller.displayNumber, card.caller.telURI != nil {
            description.append("Call \(caller) back on \(number).")
        } else {
            description.append("\(card.caller.description): no number to call back.")
        }
        description.append("\(card.isMissedCall ? "Missed call" : "Voicemail") \(renderer.long(card.receivedAt)), \(card.durationText).")
        if case .text(let transcript, _, let trust) = card.transcript, !card.isMissedCall {
            let excerpt = transcript.count > 240 ? transcript.prefix(240) + "…" : Substring(transcript)
            let label =
                switch trust {
                case .machine: "Machine transcript"
                case .offlineDraft: "Offline draft transcript, expect wrong words"
                case .low: "Low-confidence guess, listen to the recording"
                }
            description.append("\(label): \"\(excerpt)\"")
        }
        var lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Ringback//Callback//EN",
            "METHOD:PUBLISH",
            "BEGIN:VEVENT",
            "UID:\(Self.escape("ringback.\(card.token).callback@\(card.from.domain)"))",
            "DTSTAMP:\(Self.utc(now))",
            "DTSTART:\(Self.utc(card.dueAt))",
            "DURATION:PT15M",
            "SUMMARY:\(Self.escape("\(card.isUrgent ? "URGENT: " : "")Call back \(caller)"))",
            "DESCRIPTION:\(Self.escape(description.joined(separator: "\n")))",
        ]
        if let tel = card.caller.telURI { lines.append("URL:\(Self.escape(tel))") }
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:\(Self.escape("Call back \(caller)"))",
            "TRIGGER:-PT15M",
            "END:VALARM",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
        return lines.map(Self.fold).joined(separator: MIMEEncoding.crlf) + MIMEEncoding.crlf
    }

    /// `20261124T204700Z`
    static func utc(_ date: Date) -> String {
        WallClock.format(date, "yyyyMMdd'T'HHmmss'Z'", in: TimeZone(identifier: "UTC") ?? .gmt)
    }

    /// RFC 5545 TEXT: backslash, semicolon and comma escaped, newlines as `\n`, other controls dropped.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case ";": escaped += "\\;"
            case ",": escaped += "\\,"
            case "\n": escaped += "\\n"
            case _ where TextSafety.isUnsafe(scalar): escaped += " "
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// Content lines of at most 75 octets; continuation lines start with a space.
    static func fold(_ line: String) -> String {
        var output = ""
        var width = 0
        for character in line {
            let octets = character.utf8.count
            if width + octets > 75 {
                output += MIMEEncoding.crlf + " "
                width = 1
            }
            output.append(character)
            width += octets
        }
        return output
    }
}
