import CRingbackCurl
public import Foundation

/// Delivers a rendered RFC 5322 message with libcurl's SMTP.
public struct SMTPClient: Sendable {
    public enum TLSPolicy: String, Sendable, Codable {
        /// `smtp://` must upgrade with STARTTLS or the send fails: the default. `smtps://` is TLS from the first byte.
        case required
        /// Plain text on the wire; only when the admin says so.
        case none
    }

    public struct Options: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// `smtp://host:587` or `smtps://host:465`; an optional path sets the EHLO name (`smtp://host:587/ehlo.example.com`).
        public var url: String
        public var tls: TLSPolicy
        public var username: String?
        public var password: String?
        /// An OAuth 2 access token, sent with SASL XOAUTH2 (or OAUTHBEARER when offered) for `username`.
        public var oauth2Token: String?
        /// PEM bundle to trust instead of the system store. Certificates are always verified.
        public var caFile: String?
        public var timeout: Duration
        public var connectTimeout: Duration

        public init(
            url: String, tls: TLSPolicy = .required, username: String? = nil, password: String? = nil,
            oauth2Token: String? = nil, caFile: String? = nil, timeout: Duration = .seconds(60),
            connectTimeout: Duration = .seconds(10)
        ) {
            self.url = url
            self.tls = tls
            self.username = username
            self.password = password
            self.oauth2Token = oauth2Token
            self.caFile = caFile
            self.timeout = timeout
            self.connectTimeout = connectTimeout
        }

        /// The URL without `user:password@`, for logs and messages.
        public var displayURL: String { EasyHandle.redacted(url) }

        /// Whether the send must authenticate: libcurl would otherwise skip AUTH silently when none is offered.
        var hasCredentials: Bool { username != nil && (password != nil || oauth2Token != nil) }

        /// Never the password or the token.
        public var description: String {
            var text = "\(displayURL) tls=\(tls.rawValue)"
            if let username { text += " user=\(username)" }
            if password != nil { text += " password=<redacted>" }
            if oauth2Token != nil { text += " oauth2_token=<redacted>" }
            if let caFile { text += " ca_file=\(caFile)" }
            return text
        }

        public var debugDescription: String { description }
        public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
    }

    public let options: Options

    public init(_ options: Options) {
        self.options = options
    }

    /// Sends the message file to every recipient that the server accepts; throws only when none does or the
    /// conversation fails. The file must already be CRLF-terminated (libcurl dot-stuffs, but never converts bare LF).
    @discardableResult
    public func send(messageFile: URL, from: String, to recipients: [String]) async throws(SMTPError) -> SMTPReceipt {
        let options = self.options
        let outcome: Result<SMTPReceipt, SMTPError>
        do {
            outcome = try await Curl.offload { () throws(CurlError) -> Result<SMTPReceipt, SMTPError> in
                Result { () throws(SMTPError) -> SMTPReceipt in
                    try Self.sendBlocking(options: options, messageFile: messageFile, from: from, to: recipients)
                }
            }
        } catch {
            throw SMTPError(kind: .client, url: error.url, message: error.description, curlCode: error.code)
        }
        return try outcome.get()
    }

    /// Connects, upgrades to TLS as configured, logs in, and sends `NOOP` instead of a message: for `ringback
    /// check`. Returns what the server offered in its EHLO reply.
    public func verify() async throws(SMTPError) -> [String] {
        let options = self.options
        let outcome: Result<[String], SMTPError>
        do {
            outcome = try await Curl.offload { () throws(CurlError) -> Result<[String], SMTPError> in
                Result { () throws(SMTPError) -> [String] in try Self.verifyBlocking(options: options) }
            }
        } catch {
            throw SMTPError(kind: .client, url: error.url, message: error.description, curlCode: error.code)
        }
        return try outcome.get()
    }

    /// A handle with what every conversation needs: the URL, TLS as configured and verified, the login, timeouts.
    private static func connection(_ options: Options) throws(CurlError) -> EasyHandle {
        let handle = try EasyHandle(url: options.url)
        try handle.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        if options.tls == .required { try handle.set(CURLOPT_USE_SSL, CRingbackCurl_useSSLAll()) }
        if let caFile = options.caFile { try handle.set(CURLOPT_CAINFO, caFile) }
        if let username = options.username { try handle.set(CURLOPT_USERNAME, username) }
        if let password = options.password { try handle.set(CURLOPT_PASSWORD, password) }
        if let token = options.oauth2Token { try handle.set(CURLOPT_XOAUTH2_BEARER, token) }
        try handle.set(CURLOPT_TIMEOUT_MS, options.timeout.milliseconds)
        try handle.set(CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeout.milliseconds)
        return handle
    }

    static func verifyBlocking(options: Options) throws(SMTPError) -> [String] {
        let url = options.displayURL
        let handle: EasyHandle
        let dialogue: SMTPDialogue
        do {
            handle = try Self.connection(options)
            try handle.set(CURLOPT_CUSTOMREQUEST, "NOOP")
            try handle.set(CURLOPT_NOBODY, 1)
            dialogue = SMTPDialogue(body: try handle.open("/dev/null"), requiresAuthentication: false, secrets: Self.secrets(of: options))
            try dialogue.install(on: handle)
        } catch {
            throw SMTPError(kind: .client, url: url, message: error.description, curlCode: error.code)
        }
        do {
            try withExtendedLifetime(dialogue) { () throws(CurlError) in try handle.perform() }
        } catch {
            throw Self.failure(error, dialogue: dialogue, options: options)
        }
        if options.hasCredentials, !dialogue.authenticated {
            let offered = dialogue.capabilities.isEmpty ? "nothing" : dialogue.capabilities.joined(separator: ", ")
            throw SMTPError(
                kind: .authenticationUnavailable, url: url,
                message: "\(url) offered no AUTH, but a username is configured: cards would not be sent (EHLO offered: \(offered))",
                curlCode: 0)
        }
        return dialogue.capabilities
    }

    static func sendBlocking(options: Options, messageFile: URL, from: String, to recipients: [String]) throws(SMTPError) -> SMTPReceipt {
        let url = options.displayURL
        guard !recipients.isEmpty else {
            throw SMTPError(kind: .client, url: url, message: "\(url): a message needs at least one recipient", curlCode: 3)
        }
        let handle: EasyHandle
        let dialogue: SMTPDialogue
        do {
            handle = try Self.connection(options)
            try handle.set(CURLOPT_MAIL_FROM, "<\(from)>")
            try handle.set(CURLOPT_MAIL_RCPT, list: recipients.map { "<\($0)>" })
            // A refused recipient must not cost the others their card; the dialogue says who was refused.
            try handle.set(CRingbackCurl_optMailRcptAllowFails(), 1)
            dialogue = SMTPDialogue(
                body: try handle.open(messageFile.path), requiresAuthentication: options.hasCredentials,
                secrets: Self.secrets(of: options))
            try dialogue.install(on: handle)
            try handle.set(CURLOPT_UPLOAD, 1)
            try handle.set(CURLOPT_INFILESIZE_LARGE, offset: try HTTPClient.fileSize(messageFile.path, url: handle.url))
        } catch {
            throw SMTPError(kind: .client, url: url, message: error.description, curlCode: error.code)
        }
        do {
            try withExtendedLifetime(dialogue) { () throws(CurlError) in try handle.perform() }
        } catch {
            throw Self.failure(error, dialogue: dialogue, options: options)
        }
        let refused = dialogue.refusedRecipients.map {
            SMTPReceipt.Refusal(recipient: $0.recipient, responseCode: $0.reply.code, reply: $0.reply.text)
        }
        let refusedAddresses = Set(refused.map(\.recipient))
        return SMTPReceipt(accepted: recipients.filter { !refusedAddresses.contains($0) }, refused: refused)
    }

    /// Turns libcurl's failure into what happened, told with the server's own reply.
    static func failure(_ error: CurlError, dialogue: SMTPDialogue, options: Options) -> SMTPError {
        let url = options.displayURL
        let reply = dialogue.failingReply
        let offered = dialogue.capabilities.isEmpty ? "nothing" : dialogue.capabilities.joined(separator: ", ")
        let curlSays = "\(redact(error.message, options)) (curl \(error.code))"
        func make(_ kind: SMTPError.Kind, _ message: String, refused: [SMTPReceipt.Refusal] = []) -> SMTPError {
            SMTPError(
                kind: kind, url: url, message: message, responseCode: reply?.code ?? error.responseCode.flatMap { $0 >= 400 ? $0 : nil },
                serverReply: reply?.text, curlCode: error.code, refused: refused)
        }

        if dialogue.withheldBody {
            let hint = dialogue.offersStartTLS && options.tls == .none ? " (it may offer AUTH only after STARTTLS)" : ""
            return make(
                .authenticationUnavailable,
                "\(url) offered no AUTH\(hint), but a username is configured; nothing was sent rather than sending unauthenticated (EHLO offered: \(offered))")
        }
        switch error.code {
        case 64:  // CURLE_USE_SSL_FAILED
            if let reply, dialogue.lastCommand == .startTLS {
                return make(.startTLSUnavailable, "\(url) refused STARTTLS: \(reply.text); TLS is required, so nothing was sent")
            }
            return make(.startTLSUnavailable, "\(url) did not offer STARTTLS (EHLO offered: \(offered)); TLS is required, so nothing was sent")
        case 51, 58, 59, 60, 77, 82, 83, 90, 91:  // peer verification, client cert, cipher, CA file, CRL, issuer, pinning, OCSP
            let trust = options.caFile.map { "the CA in \($0)" } ?? "the system's trusted CAs"
            return make(.tlsVerification, "\(url): TLS certificate not trusted by \(trust): \(curlSays)")
        case 67:  // CURLE_LOGIN_DENIED
            if let reply, case .auth = dialogue.lastCommand {
                return make(.authenticationFailed, "\(url) refused the login of \(options.username ?? "the user"): \(reply.text)")
            }
            let mechanisms = dialogue.authMechanisms.map { $0.joined(separator: " ") } ?? "none"
            return make(
                .authenticationUnavailable,
                "\(url) offers no login method libcurl can use with the configured credentials (AUTH \(mechanisms)): \(curlSays)")
        case 1, 2, 3, 26, 27:  // unsupported protocol, init, malformed URL, read error, out of memory
            return make(.client, "\(url): \(curlSays)")
        default:
            break
        }
        guard let reply else {
            return make(.connection, "\(url): \(curlSays)")
        }
        switch dialogue.lastCommand {
        case .mailFrom:
            return make(.senderRefused, "\(url) refused the sender: \(reply.text)")
        case .recipient:
            let refused = dialogue.refusedRecipients.map {
                SMTPReceipt.Refusal(recipient: $0.recipient, responseCode: $0.reply.code, reply: $0.reply.text)
            }
            let list = refused.map { "\($0.recipient) (\($0.reply))" }.joined(separator: "; ")
            return make(.recipientsRefused, "\(url) refused every recipient: \(list)", refused: refused)
        case .data, .body:
            return make(.messageRefused, "\(url) refused the message: \(reply.text)")
        case .auth:
            return make(.authenticationFailed, "\(url) refused the login of \(options.username ?? "the user"): \(reply.text)")
        case .startTLS:
            return make(.startTLSUnavailable, "\(url) refused STARTTLS: \(reply.text)")
        default:
            return make(.serverError, "\(url) answered \(reply.text)")
        }
    }

    /// Passwords and tokens as typed and as AUTH PLAIN, LOGIN and XOAUTH2 put them on the wire.
    static func secrets(of options: Options) -> [String] {
        let user = options.username ?? ""
        var secrets: [String] = []
        if let password = options.password {
            secrets += [password, Data(password.utf8).base64EncodedString(), Data("\0\(user)\0\(password)".utf8).base64EncodedString()]
        }
        if let token = options.oauth2Token {
            secrets += [token, Data("user=\(user)\u{1}auth=Bearer \(token)\u{1}\u{1}".utf8).base64EncodedString()]
        }
        return secrets
    }

    private static func redact(_ text: String, _ options: Options) -> String {
        secrets(of: options).filter { $0.count >= 4 }.reduce(text) { $0.replacingOccurrences(of: $1, with: "<redacted>") }
    }
}
