import RingbackCore
import RingbackCurl

/// What the providers share: a request through libcurl, with its failures sorted into `TextError` kinds.
enum TextHTTP {
    static func perform(_ request: HTTPRequest, provider: String, token: Secret) async throws(TextError) -> HTTPResponse {
        do {
            return try await HTTPClient().perform(request)
        } catch {
            throw TextError(sent(error) ? .ambiguous : .transient, code: "curl \(error.code)", "\(provider): \(token.redact(in: error.message))")
        }
    }

    /// Whether the request may have reached the provider: anything after the connection was made (a timeout waiting
    /// for the answer, a reset, an empty reply). Resolving, connecting and the TLS handshake come before it.
    static func sent(_ error: CurlError) -> Bool {
        switch error.code {
        case 5, 6, 7, 35, 60: false  // proxy or host unresolved, no connection, TLS handshake, untrusted certificate
        case 28: !error.message.hasPrefix("Connection timed out") && !error.message.hasPrefix("Failed to connect")
        default: true
        }
    }

    /// 429 and 5xx may pass; other 4xx will not.
    static func kind(status: Int) -> TextError.Kind {
        status == 429 || status >= 500 ? .transient : .refused
    }
}
