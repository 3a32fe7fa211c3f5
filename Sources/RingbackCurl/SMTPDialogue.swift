import CRingbackCurl
import Foundation

/// Follows one SMTP conversation through libcurl's debug callback and feeds the message body.
///
/// libcurl reports neither which recipients were refused, nor the server's reply text, nor whether it logged in:
/// it skips AUTH silently when the server offers none. Watching the dialogue answers all three, and because the
/// body is read only after DATA was accepted, the read callback can still withhold a message that would otherwise
/// go out unauthenticated.
///
/// What the client sends while authenticating is credentials: those lines are never looked at or kept.
final class SMTPDialogue {
    struct Reply: Equatable {
        var code: Int
        /// Every line of the reply, `550 5.1.1 <x@example.com>: Recipient address rejected`, continuations joined by a space.
        var text: String
    }

    enum Command: Equatable {
        case ehlo, helo, startTLS, mailFrom, data
        case auth(mechanism: String)
        case recipient(String)
        /// The message itself, after `354`.
        case body
        case other(String)
    }

    /// Whether the body may only go out after a successful AUTH.
    let requiresAuthentication: Bool
    private let file: UnsafeMutablePointer<FILE>
    private let redactions: [String]

    private(set) var lastCommand: Command?
    private(set) var lastReply: Reply?
    /// A command went out and its reply has not arrived (yet, or ever: the connection broke).
    private(set) var awaitingReply = false
    /// The keywords of the latest EHLO reply (`STARTTLS`, `AUTH PLAIN LOGIN`, `SIZE 1000`), first line excluded.
    private(set) var capabilities: [String] = []
    private(set) var authenticated = false
    private(set) var recipientReplies: [(recipient: String, reply: Reply)] = []
    /// The read callback refused to hand libcurl the message because no AUTH happened.
    private(set) var withheldBody = false
    /// libcurl sends QUIT when it closes the connection, after a failure too: what came before is what counts.
    private var quitting = false
    private var partialLine: [UInt8] = []
    private var replyLines: [String] = []

    /// - Parameter secrets: passwords and tokens to blank out of any server reply kept here.
    init(body file: UnsafeMutablePointer<FILE>, requiresAuthentication: Bool, secrets: [String]) {
        self.file = file
        self.requiresAuthentication = requiresAuthentication
        self.redactions = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// The error reply that answered the last command, if the conversation ended on one.
    var failingReply: Reply? {
        guard !awaitingReply, let lastReply, lastReply.code >= 400 else { return nil }
        return lastReply
    }

    var offersStartTLS: Bool { capabilities.contains { $0.uppercased() == "STARTTLS" } }

    /// The mechanisms after `AUTH` in the EHLO reply; nil when the server offered no AUTH at all.
    var authMechanisms: [String]? {
        guard let line = capabilities.first(where: { $0.uppercased() == "AUTH" || $0.uppercased().hasPrefix("AUTH ") }) else { return nil }
        return line.split(separator: " ").dropFirst().map(String.init)
    }

    var refusedRecipients: [(recipient: String, reply: Reply)] {
        recipientReplies.filter { $0.reply.code / 100 != 2 }
    }

    func install(on handle: EasyHandle) throws(CurlError) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        try handle.check(CRingbackCurl_setopt_debug(handle.raw, Self.debugCallback, context))
        try handle.check(CRingbackCurl_setopt_read(handle.raw, Self.readCallback, context))
    }

    // MARK: - libcurl callbacks

    static let debugCallback: CRingbackCurl_debug_callback = { _, type, data, size, context in
        guard let data, let context else { return 0 }
        let dialogue = Unmanaged<SMTPDialogue>.fromOpaque(context).takeUnretainedValue()
        switch type {
        case CURLINFO_HEADER_IN:
            let bytes = UnsafeRawBufferPointer(start: data, count: size)
            dialogue.received(bytes)
        case CURLINFO_HEADER_OUT:
            let bytes = UnsafeRawBufferPointer(start: data, count: size)
            dialogue.sent(bytes)
        case CURLINFO_DATA_OUT where dialogue.lastCommand == .data:
            dialogue.lastCommand = .body
            dialogue.awaitingReply = true
        default:
            break
        }
        return 0
    }

    static let readCallback: CRingbackCurl_data_callback = { buffer, size, count, context in
        guard let buffer, let context else { return CRingbackCurl_readAbort() }
        let dialogue = Unmanaged<SMTPDialogue>.fromOpaque(context).takeUnretainedValue()
        if dialogue.requiresAuthentication, !dialogue.authenticated {
            // libcurl then closes the connection without the final ".", so the server discards the message.
            dialogue.withheldBody = true
            return CRingbackCurl_readAbort()
        }
        let read = fread(buffer, size, count, dialogue.file)
        if read == 0, ferror(dialogue.file) != 0 { return CRingbackCurl_readAbort() }
        return read
    }

    // MARK: - Following the conversation

    private func sent(_ bytes: UnsafeRawBufferPointer) {
        if case .auth = lastCommand, !awaitingReply, lastReply?.code == 334 {
            awaitingReply = true  // an answer to the server's challenge: credentials, never read
            return
        }
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let words = line.split(separator: " ", maxSplits: 2)
        let verb = words.first.map { $0.uppercased() } ?? ""
        switch verb {
        case "EHLO":
            lastCommand = .ehlo
            capabilities = []
        case "HELO": lastCommand = .helo
        case "STARTTLS": lastCommand = .startTLS
        // Only the mechanism: with SASL-IR the rest of the line is the credentials.
        case "AUTH": lastCommand = .auth(mechanism: words.count > 1 ? String(words[1]) : "")
        case "MAIL": lastCommand = .mailFrom
        case "RCPT": lastCommand = .recipient(Self.address(in: line))
        case "DATA": lastCommand = .data
        case "QUIT":
            quitting = true
            return
        default: lastCommand = .other(verb)
        }
        awaitingReply = true
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes {
            guard byte == UInt8(ascii: "\n") else {
                partialLine.append(byte)
                continue
            }
            let line = String(decoding: partialLine, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            partialLine.removeAll(keepingCapacity: true)
            receivedLine(line)
        }
    }

    private func receivedLine(_ line: String) {
        guard !quitting else { return }
        let characters = Array(line)
        guard characters.count >= 3, let code = Int(String(characters[0..<3])) else { return }
        replyLines.append(line)
        if characters.count > 3, characters[3] == "-" { return }  // more lines follow
        let texts = replyLines.map { String($0.dropFirst(4)) }
        replyLines.removeAll()
        let reply = Reply(code: code, text: redacted(([String(code)] + texts.filter { !$0.isEmpty }).joined(separator: " ")))
        switch lastCommand {
        case .ehlo: capabilities = Array(texts.dropFirst())
        case .auth where code == 235: authenticated = true
        case .recipient(let address): recipientReplies.append((address, reply))
        default: break
        }
        lastReply = reply
        awaitingReply = false
    }

    private func redacted(_ text: String) -> String {
        redactions.reduce(text) { $0.replacingOccurrences(of: $1, with: "<redacted>") }
    }

    /// `RCPT TO:<x@example.com> NOTIFY=NEVER` → `x@example.com`
    private static func address(in line: String) -> String {
        guard let open = line.firstIndex(of: "<"), let close = line[open...].firstIndex(of: ">") else {
            return String(line.dropFirst("RCPT TO:".count))
        }
        return String(line[line.index(after: open)..<close])
    }
}
