public import Foundation

/// Writes a card as a complete RFC 5322 message to a file: CRLF only, no line over 76 characters in the body,
/// the audio streamed in as base64 so memory stays flat however long the recording.
public enum CardWriter {
    public static func write(_ card: MessageCard, to destination: URL, now: Date, templates: CardTemplates = .init()) throws(CardError) {
        let renderer = CardRenderer(card: card, now: now, templates: templates)
        guard FileManager.default.createFile(atPath: destination.path, contents: nil),
            let output = try? FileHandle(forWritingTo: destination)
        else { throw CardError("cannot create \(destination.path)") }
        defer { try? output.close() }

        let crlf = MIMEEncoding.crlf
        let mixed = "rb-mixed-\(card.token)"
        let alternative = "rb-alt-\(card.token)"
        var extra: [(name: String, value: String)] = [("X-Ringback-Voicemail", "\(card.voicemailID)")]
        if card.isUrgent { extra.append(("Importance", "high")) }
        if card.purpose == .card {
            // RFC 3458: what the message is, for clients and filters; a missed call with no recording is not a voice
            // message, and RFC 3458's `none` does not claim one.
            extra.append(("Message-Context", card.hasRecording ? "voice-message" : "none"))
            extra.append(("X-Ringback-Transcription", card.transcriptionHeader))
        }
        var head = MIMEMessage.head(
            from: card.from, to: card.to, cc: card.cc, subject: renderer.subject, date: now, timeZone: card.timeZone, messageID: card.messageID,
            inReplyTo: card.inReplyTo, extra: extra, contentType: "multipart/mixed;\(crlf) boundary=\"\(mixed)\"")
        head += "--\(mixed)\(crlf)Content-Type: multipart/alternative;\(crlf) boundary=\"\(alternative)\"\(crlf)\(crlf)"
        head += MIMEMessage.alternative(boundary: alternative, text: renderer.plainText, html: renderer.html)
        if card.purpose == .card {
            let calendar = CallbackCalendar(card: card, renderer: renderer, now: now)
            head += "--\(mixed)\(crlf)"
            head += "Content-Type: text/calendar; charset=utf-8; method=PUBLISH;\(crlf) name=\"\(CallbackCalendar.filename)\"\(crlf)"
            head += "Content-Disposition: attachment;\(crlf) filename=\"\(CallbackCalendar.filename)\"\(crlf)"
            head += "Content-Transfer-Encoding: base64\(crlf)\(crlf)"
            head += Data(calendar.text.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            head += crlf
        }

        do {
            try output.write(contentsOf: Data(head.utf8))
            if let attachment = card.attachment {
                let name = MIMEEncoding.headerSafe(attachment.filename).replacingOccurrences(of: "\"", with: "")
                var part = "--\(mixed)\(crlf)"
                part += "Content-Type: \(attachment.mimeType);\(crlf) name=\"\(name)\"\(crlf)"
                part += "Content-Disposition: attachment;\(crlf) filename=\"\(name)\"\(crlf)"
                part += "Content-Duration: \(max(1, Int(card.duration.seconds.rounded())))\(crlf)"  // RFC 3803: whole seconds
                part += "Content-Transfer-Encoding: base64\(crlf)\(crlf)"
                try output.write(contentsOf: Data(part.utf8))
                try streamBase64(from: attachment.path, to: output)
            }
            try output.write(contentsOf: Data("--\(mixed)--\(crlf)".utf8))
        } catch let error as CardError {
            throw error
        } catch {
            throw CardError("cannot write \(destination.path): \(error.localizedDescription)")
        }
    }

    /// The card's subject, plain text and HTML, for previews.
    public static func parts(_ card: MessageCard, now: Date, templates: CardTemplates = .init()) -> (subject: String, text: String, html: String) {
        let renderer = CardRenderer(card: card, now: now, templates: templates)
        return (renderer.subject, renderer.plainText, renderer.html)
    }

    /// Base64 in 76-character lines, 57 input bytes at a time, read in blocks of 1000 lines.
    private static func streamBase64(from source: URL, to output: FileHandle) throws {
        guard let input = try? FileHandle(forReadingFrom: source) else {
            throw CardError("cannot read the attachment \(source.path)")
        }
        defer { try? input.close() }
        let lineBytes = 57
        while let block = try input.read(upToCount: lineBytes * 1000), !block.isEmpty {
            var text = ""
            text.reserveCapacity(block.count * 4 / 3 + block.count / lineBytes * 2 + 4)
            var offset = block.startIndex
            while offset < block.endIndex {
                let end = block.index(offset, offsetBy: lineBytes, limitedBy: block.endIndex) ?? block.endIndex
                text += block[offset..<end].base64EncodedString()
                text += MIMEEncoding.crlf
                offset = end
            }
            try output.write(contentsOf: Data(text.utf8))
        }
    }
}
