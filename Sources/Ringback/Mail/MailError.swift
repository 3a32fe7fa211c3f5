/// A card that could not be written or delivered, with the server's reply where there was one.
public struct MailError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case render = "mail.render"
        case maildir = "mail.maildir"
        /// Connection, timeout, interrupted TLS handshake, DNS, or a 4xx reply: try again later.
        case transport = "mail.transport"
        /// Refused for good: a 5xx reply (login, sender, every recipient, message size), or a relay that cannot be
        /// used as configured (no STARTTLS, no AUTH, untrusted certificate). Retrying cannot help until the
        /// configuration or the message changes.
        case rejected = "mail.rejected"
    }

    public var code: Code
    /// Names the relay and quotes the server; never a password or token.
    public var message: String
    /// The SMTP reply code that ended the attempt, when the server refused.
    public var responseCode: Int?
    /// Every recipient's refusal, when all of them were refused.
    public var refused: [DeliveryReport.Refusal]

    public init(code: Code, message: String, responseCode: Int? = nil, refused: [DeliveryReport.Refusal] = []) {
        self.code = code
        self.message = message
        self.responseCode = responseCode
        self.refused = refused
    }

    /// Whether sending the same card again later cannot succeed without someone changing something.
    public var isPermanent: Bool { code == .rejected }

    public var description: String { message }
}
