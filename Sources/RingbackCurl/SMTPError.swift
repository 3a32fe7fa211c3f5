/// A message that did not go out, with what a person needs to act: the relay, what failed, and the server's reply.
public struct SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// DNS, connect, timeout, reset, an interrupted TLS handshake: nothing the server decided.
        case connection
        /// The server's certificate is not trusted (wrong CA, wrong name, expired).
        case tlsVerification
        /// TLS is required but the server did not offer STARTTLS, or refused it.
        case startTLSUnavailable
        /// Credentials are configured but the server offered no AUTH, or no mechanism libcurl can use with them.
        case authenticationUnavailable
        /// The server refused the credentials (`535`).
        case authenticationFailed
        /// `MAIL FROM` was refused.
        case senderRefused
        /// Every recipient was refused (with some accepted the send succeeds; see `SMTPReceipt.refused`).
        case recipientsRefused
        /// `DATA` or the message itself was refused (`552` too big, `554`).
        case messageRefused
        /// Any other error reply, such as a `421` or `554` greeting.
        case serverError
        /// The transfer could not be set up: unreadable message file, malformed URL.
        case client
    }

    public var kind: Kind
    /// The relay's URL without credentials.
    public var url: String
    /// The whole story in one sentence, the server's reply included; never a password or token.
    public var message: String
    /// The SMTP reply code that ended the conversation (`CURLINFO_RESPONSE_CODE`), if it was an error reply.
    public var responseCode: Int?
    /// The server's reply as it sent it, e.g. `535 5.7.8 Authentication credentials invalid`.
    public var serverReply: String?
    /// libcurl's `CURLcode`; 42 (aborted by callback) when Ringback itself withheld the message.
    public var curlCode: Int
    /// Every recipient's refusal when all of them were refused.
    public var refused: [SMTPReceipt.Refusal]

    public init(
        kind: Kind, url: String, message: String, responseCode: Int? = nil, serverReply: String? = nil, curlCode: Int,
        refused: [SMTPReceipt.Refusal] = []
    ) {
        self.kind = kind
        self.url = url
        self.message = message
        self.responseCode = responseCode
        self.serverReply = serverReply
        self.curlCode = curlCode
        self.refused = refused
    }

    /// Whether trying the same message again later cannot help until someone changes something.
    ///
    /// A 5xx reply is permanent and a 4xx reply transient, whatever was refused (a recipient refusal with 4xx among
    /// several counts as transient). Without a reply, only connection trouble is worth retrying; an untrusted
    /// certificate or a relay that offers no STARTTLS or AUTH stays that way until the configuration changes.
    public var isPermanent: Bool {
        if kind == .recipientsRefused, !refused.isEmpty {
            return refused.allSatisfy(\.isPermanent)
        }
        if let responseCode, responseCode >= 400 { return responseCode >= 500 }
        return kind != .connection
    }

    public var description: String { message }
}
