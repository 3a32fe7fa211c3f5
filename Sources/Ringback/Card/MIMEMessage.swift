import Foundation
import RingbackCore

/// The parts every message Ringback writes shares (cards, replies, reminders, digests): the header block and the
/// text-and-HTML `multipart/alternative`. CRLF only; every value from a caller or a transcript is encoded by
/// `MIMEEncoding` so it cannot start a header of its own.
enum MIMEMessage {
    /// From, To, Cc, Subject, Date, Message-ID, threading, MIME-Version, Auto-Submitted, `extra`, Content-Type, and
    /// the blank line that ends the headers.
    static func head(
        from: MailAddress, to: [MailAddress], cc: [MailAddress] = [], subject: String, date: Date, timeZone: TimeZone, messageID: String,
        inReplyTo: String? = nil, extra: [(name: String, value: String)] = [], contentType: String
    ) -> String {
        let crlf = MIMEEncoding.crlf
        var head = ""
        func header(_ name: String, _ value: String) { head += "\(name): \(value)\(crlf)" }
        header("From", MIMEEncoding.mailbox(from, prefixLength: 6))
        header("To", to.map { MIMEEncoding.mailbox($0, prefixLength: 4) }.joined(separator: ",\(crlf) "))
        if !cc.isEmpty { header("Cc", cc.map { MIMEEncoding.mailbox($0, prefixLength: 4) }.joined(separator: ",\(crlf) ")) }
        header("Subject", MIMEEncoding.encodedHeaderValue(subject, prefixLength: 9))
        header("Date", MIMEEncoding.rfc5322Date(date, timeZone: timeZone))
        header("Message-ID", messageID)
        if let inReplyTo {
            header("In-Reply-To", inReplyTo)
            header("References", inReplyTo)
        }
        header("MIME-Version", "1.0")
        header("Auto-Submitted", "auto-generated")
        for (name, value) in extra { header(name, value) }
        header("Content-Type", contentType)
        return head + crlf
    }

    /// The text and the HTML, each quoted-printable, between `boundary`s, closed.
    static func alternative(boundary: String, text: String, html: String) -> String {
        let crlf = MIMEEncoding.crlf
        var body = ""
        for (type, part) in [("text/plain", text), ("text/html", html)] {
            body += "--\(boundary)\(crlf)"
            body += "Content-Type: \(type); charset=utf-8\(crlf)Content-Transfer-Encoding: quoted-printable\(crlf)\(crlf)"
            body += MIMEEncoding.quotedPrintable(part) + crlf
        }
        return body + "--\(boundary)--\(crlf)"
    }
}
