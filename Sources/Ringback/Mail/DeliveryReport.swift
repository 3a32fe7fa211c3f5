public import RingbackCore

/// What a transport did with one message. With several recipients a refused one does not hold up the others:
/// the message counts as delivered and the refusals are reported here.
public struct DeliveryReport: Sendable, Equatable {
    /// A recipient the server refused while accepting others.
    public struct Refusal: Sendable, Equatable, CustomStringConvertible {
        public var recipient: MailAddress
        /// The server's reply, e.g. `550 5.1.1 <x@example.com>: Recipient address rejected`.
        public var reply: String
        public var responseCode: Int?

        public init(recipient: MailAddress, reply: String, responseCode: Int? = nil) {
            self.recipient = recipient
            self.reply = reply
            self.responseCode = responseCode
        }

        /// A 4xx refusal (mailbox busy, greylisting) may pass on a later try; anything else stands.
        public var isPermanent: Bool { responseCode.map { !(400..<500).contains($0) } ?? true }

        public var description: String { "\(recipient.address) refused: \(reply)" }
    }

    public var accepted: [MailAddress]
    public var refused: [Refusal]

    public init(accepted: [MailAddress], refused: [Refusal] = []) {
        self.accepted = accepted
        self.refused = refused
    }
}
