/// A card that could not be written or delivered, with the server's reply where there was one.
public struct MailError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case render = "mail.render"
        case maildir = "mail.maildir"
        /// Connection, timeout, TLS handshake: try again later.
        case transport = "mail.transport"
        /// The server refused (authentication, recipient, STARTTLS unavailable).
        case rejected = "mail.rejected"
    }

    public var code: Code
    public var message: String
    public var responseCode: Int?

    public init(code: Code, message: String, responseCode: Int? = nil) {
        self.code = code
        self.message = message
        self.responseCode = responseCode
    }

    public var description: String { message }
}
