/// A transfer that failed, with what a person needs to act: the URL, libcurl's own words, and the server's reply.
public struct CurlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libcurl's `CURLcode` (0 when the transfer itself succeeded but the reply was an error).
    public var code: Int
    /// The URL without credentials.
    public var url: String
    /// libcurl's error buffer, or `curl_easy_strerror` when the buffer is empty.
    public var message: String
    /// HTTP status or SMTP reply code, when the server answered.
    public var responseCode: Int?

    public init(code: Int, url: String, message: String, responseCode: Int? = nil) {
        self.code = code
        self.url = url
        self.message = message
        self.responseCode = responseCode
    }

    /// Connect failures, timeouts, resets: worth trying again later.
    public var isTransient: Bool {
        switch code {
        case 5, 6, 7, 28, 35, 52, 55, 56: true  // resolve, connect, timeout, TLS connect, empty reply, send, recv
        default: false
        }
    }

    public var description: String {
        var text = "\(url): \(message) (curl \(code)"
        if let responseCode { text += ", server replied \(responseCode)" }
        return text + ")"
    }
}
