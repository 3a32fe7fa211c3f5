/// Sends a text message. One type per provider, each in its own file; `CallerTextsConfig.Provider.makeProvider()`
/// picks one.
public protocol TextProvider: Sendable {
    /// `twilio`, `telnyx`: for logs and the ledger.
    var name: String { get }
    /// Sends `body` to `to` (E.164) and returns the provider's id for the message. `id` is Ringback's own for this text,
    /// the same on every try (a webhook's `webhook-id`, so the receiver can tell a retry).
    func send(to: String, body: String, id: String) async throws(TextError) -> String
}

/// Why a text did not go, sorted by what may be done about it.
public struct TextError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Not sent, and trying again can help (the provider unreachable, overloaded, 5xx): retried with back-off.
        case transient
        /// Refused, and trying again cannot help (a bad number, a landline, the account refused): not retried.
        case refused
        /// The recipient opted out at the provider (Twilio 21610): not retried, and the number is opted out here too.
        case optedOut = "opted_out"
        /// The request went out and no answer came back: it may have been delivered. Never retried by itself.
        case ambiguous
    }

    public var kind: Kind
    /// The provider's error code when it gave one (Twilio `21211`), else the HTTP status or libcurl's code.
    public var code: String?
    public var message: String

    public init(_ kind: Kind, code: String? = nil, _ message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { "\(message)\(code.map { " (\($0))" } ?? "")" }
}

extension CallerTextsConfig.Provider {
    /// The provider this configuration names.
    public func makeProvider() -> any TextProvider {
        switch kind {
        case .twilio: TwilioTextProvider(url: url, accountSID: accountSID ?? "", token: token, from: from, timeout: timeout.duration)
        case .telnyx: TelnyxTextProvider(url: url, token: token, from: from, timeout: timeout.duration)
        case .webhook: WebhookTextProvider(url: url, secret: token, from: from, timeout: timeout.duration)
        }
    }
}
