import CRingbackCurl
public import Foundation

/// Delivers a rendered RFC 5322 message with libcurl's SMTP.
public struct SMTPClient: Sendable {
    public enum TLSPolicy: String, Sendable, Codable {
        /// `smtp://` must upgrade with STARTTLS or the send fails: the default.
        case required
        /// Plain text on the wire; only when the admin says so.
        case none
    }

    public struct Options: Sendable {
        /// `smtp://host:587` or `smtps://host:465`; an optional path sets the EHLO name (`smtp://host:587/ehlo.example.com`).
        public var url: String
        public var tls: TLSPolicy
        public var username: String?
        public var password: String?
        public var caFile: String?
        public var timeout: Duration
        public var connectTimeout: Duration

        public init(
            url: String, tls: TLSPolicy = .required, username: String? = nil, password: String? = nil,
            caFile: String? = nil, timeout: Duration = .seconds(60), connectTimeout: Duration = .seconds(10)
        ) {
            self.url = url
            self.tls = tls
            self.username = username
            self.password = password
            self.caFile = caFile
            self.timeout = timeout
            self.connectTimeout = connectTimeout
        }
    }

    public let options: Options

    public init(_ options: Options) {
        self.options = options
    }

    /// Sends the message file to every recipient. The file must already be CRLF-terminated (libcurl dot-stuffs, but never converts bare LF).
    public func send(messageFile: URL, from: String, to recipients: [String]) async throws(CurlError) {
        let options = self.options
        try await Curl.offload { () throws(CurlError) in
            let handle = try EasyHandle(url: options.url)
            try handle.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
            if options.tls == .required { try handle.set(CURLOPT_USE_SSL, CRingbackCurl_useSSLAll()) }
            if let caFile = options.caFile { try handle.set(CURLOPT_CAINFO, caFile) }
            if let username = options.username { try handle.set(CURLOPT_USERNAME, username) }
            if let password = options.password { try handle.set(CURLOPT_PASSWORD, password) }
            try handle.set(CURLOPT_TIMEOUT_MS, options.timeout.milliseconds)
            try handle.set(CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeout.milliseconds)
            try handle.set(CURLOPT_MAIL_FROM, "<\(from)>")
            try handle.set(CURLOPT_MAIL_RCPT, list: recipients.map { "<\($0)>" })
            try handle.streamBody(fromFile: messageFile.path)
            try handle.set(CURLOPT_UPLOAD, 1)
            try handle.set(CURLOPT_INFILESIZE_LARGE, offset: try HTTPClient.fileSize(messageFile.path, url: handle.url))
            try handle.perform()
        }
    }
}
