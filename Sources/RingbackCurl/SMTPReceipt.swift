/// What the server accepted: with several recipients, a refused one does not stop the others.
public struct SMTPReceipt: Sendable, Equatable {
    /// A recipient the server refused at `RCPT TO`, with its reply.
    public struct Refusal: Sendable, Equatable, CustomStringConvertible {
        public var recipient: String
        public var responseCode: Int
        /// The reply as the server sent it, e.g. `550 5.1.1 <x@example.com>: Recipient address rejected`.
        public var reply: String

        public init(recipient: String, responseCode: Int, reply: String) {
            self.recipient = recipient
            self.responseCode = responseCode
            self.reply = reply
        }

        /// A 5xx refusal stands; a 4xx one (mailbox busy, greylisting) may pass later.
        public var isPermanent: Bool { responseCode >= 500 }

        public var description: String { "\(recipient) refused: \(reply)" }
    }

    public var accepted: [String]
    public var refused: [Refusal]

    public init(accepted: [String], refused: [Refusal] = []) {
        self.accepted = accepted
        self.refused = refused
    }
}
