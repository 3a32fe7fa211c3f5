import Foundation
import RingbackCore

/// The encodings a mail message needs, each kept to RFC limits (lines ≤ 76 characters, CRLF only).
enum MIMEEncoding {
    static let crlf = "\r\n"

    /// Removes anything that could end a header line or smuggle a new one in (CR, LF, NUL, C1 and other controls,
    /// bidi overrides).
    static func headerSafe(_ text: String) -> String { TextSafety.line(text) }

    /// A header value as RFC 2047 encoded words when it is not plain ASCII, folded so no line passes 78 characters.
    /// `prefixLength` is the length of `Name: ` already on the first line.
    static func encodedHeaderValue(_ raw: String, prefixLength: Int) -> String {
        let text = headerSafe(raw)
        if text.allSatisfy({ $0.isASCII }) { return fold(text, prefixLength: prefixLength) }
        // Encoded words of at most 75 characters: "=?UTF-8?B?" + base64 + "?=" → 39 bytes of UTF-8 each,
        // split only between characters so no word holds half a character.
        var words: [String] = []
        var chunk = ""
        for character in text {
            if (chunk + String(character)).utf8.count > 39 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\(crlf) ")
    }

    /// A display name and address for From/To: quoted or encoded as needed.
    static func mailbox(_ address: MailAddress, prefixLength: Int) -> String {
        guard let name = address.name.map(headerSafe), !name.isEmpty else { return address.address }
        if name.allSatisfy({ $0.isASCII }) {
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\" <\(address.address)>"
        }
        return "\(encodedHeaderValue(name, prefixLength: prefixLength)) <\(address.address)>"
    }

    /// Folds ASCII text at spaces to keep lines short.
    static func fold(_ text: String, prefixLength: Int) -> String {
        var lines: [String] = []
        var line = ""
        var limit = 78 - prefixLength
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !line.isEmpty, line.count + 1 + word.count > limit {
                lines.append(line)
                line = String(word)
                limit = 77
            } else {
                line = line.isEmpty ? String(word) : line + " " + word
            }
        }
        lines.append(line)
        return lines.joined(separator: "\(crlf) ")
    }

    /// Quoted-printable (RFC 2045) for UTF-8 text: readable in raw form, every line ≤ 76 characters, CRLF breaks.
    static func quotedPrintable(_ text: String) -> String {
        var output = ""
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            var encodedLine = ""
            var width = 0
            let bytes = Array(line.utf8)
            for (position, byte) in bytes.enumerated() {
                let isLast = position == bytes.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 32 || byte == 9) && !isLast)
                let token = literal ? String(UnicodeScalar(byte)) : String(format: "=%02X", byte)
                if width + token.count > 75 {
                    encodedLine += "=\(crlf)"
                    width = 0
                }
                encodedLine += token
                width += token.count
            }
            output += encodedLine
            if index < lines.count - 1 { output += crlf }
        }
        return output
    }

    /// Escapes text for HTML element content and attribute values; control characters and bidi overrides are dropped
    /// (line breaks kept).
    static func html(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in TextSafety.text(text) {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// RFC 5322 date, e.g. `Tue, 22 Sep 2026 05:24:47 -0500`.
    static func rfc5322Date(_ date: Date, timeZone: TimeZone) -> String {
        WallClock.format(date, "EEE, dd MMM yyyy HH:mm:ss Z", in: timeZone)
    }
}
