public import Foundation

/// An HTTP request for libcurl: what to send, where, and how long to wait.
public struct HTTPRequest: Sendable {
    public enum Body: Sendable {
        case none
        case data(Data, contentType: String)
        /// Streamed from disk with its size known up front.
        case file(path: String, contentType: String)
        case form([FormField])
    }

    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: Body
    public var timeout: Duration
    public var connectTimeout: Duration
    /// PEM bundle to trust instead of the system store (self-hosted endpoints with a private CA).
    public var caFile: String?
    /// Upper bound on the response body; a larger reply is an error, never unbounded memory.
    public var maxResponseBytes: Int

    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: Body = .none,
        timeout: Duration = .seconds(60), connectTimeout: Duration = .seconds(10), caFile: String? = nil,
        maxResponseBytes: Int = 16 << 20
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.caFile = caFile
        self.maxResponseBytes = maxResponseBytes
    }
}

/// What the server answered. 4xx and 5xx arrive here too: libcurl reports them as success.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(status: Int, headers: [(name: String, value: String)], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
