public import Foundation
import Glibc

/// A real SMTP server (Python's aiosmtpd, see Resources/smtp_sink.py) for tests.
///
/// A real server rather than a Swift fake, so the client's STARTTLS, AUTH,
/// dot-stuffing and line endings meet an independent implementation. Every
/// message is stored in `directory` and summarised by Python's `email`
/// package, whose findings arrive as `ReceivedMail.defects`.
public final class SMTPSink: Sendable {
    public struct Credentials: Sendable, Equatable {
        public var user: String
        public var password: String

        public init(user: String, password: String) {
            self.user = user
            self.password = password
        }
    }

    /// An account for SASL XOAUTH2: the sink accepts exactly `user=USER\u{1}auth=Bearer TOKEN\u{1}\u{1}`.
    public struct BearerToken: Sendable, Equatable {
        public var user: String
        public var token: String

        public init(user: String, token: String) {
            self.user = user
            self.token = token
        }
    }

    public struct Options: Sendable {
        /// Offer STARTTLS with a fresh self-signed certificate (see `caFile`).
        public var tls: Bool
        /// Speak TLS from the first byte (`smtps://`, port 465 style) instead of STARTTLS; `tls` is ignored.
        public var implicitTLS: Bool
        /// Refuse MAIL before STARTTLS; only meaningful with `tls`.
        public var requireStartTLS: Bool
        /// Require AUTH PLAIN/LOGIN with exactly these credentials (over TLS when `tls`).
        public var auth: Credentials?
        /// Offer and require AUTH XOAUTH2 with exactly this token.
        public var oauth2: BearerToken?
        /// Advertise AUTH in the EHLO reply; false models a relay that offers none (libcurl then skips AUTH silently).
        public var offerAuth: Bool
        /// RCPT TO for these addresses gets `550 5.1.1`.
        public var rejectRecipients: [String]
        /// RCPT TO for these addresses gets `450 4.2.1` (try again later).
        public var deferRecipients: [String]
        /// A fixed port; nil picks a free one.
        public var port: Int?

        public init(
            tls: Bool = true,
            implicitTLS: Bool = false,
            requireStartTLS: Bool = true,
            auth: Credentials? = nil,
            oauth2: BearerToken? = nil,
            offerAuth: Bool = true,
            rejectRecipients: [String] = [],
            deferRecipients: [String] = [],
            port: Int? = nil
        ) {
            self.tls = tls
            self.implicitTLS = implicitTLS
            self.requireStartTLS = requireStartTLS
            self.auth = auth
            self.oauth2 = oauth2
            self.offerAuth = offerAuth
            self.rejectRecipients = rejectRecipients
            self.deferRecipients = deferRecipients
            self.port = port
        }
    }

    /// Why the sink failed to start or a wait gave up.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// One message as stored by the sink: the NNNN.json summary of NNNN.eml.
    public struct ReceivedMail: Sendable, Decodable {
        public struct Part: Sendable, Decodable {
            public let contentType: String
            public let charset: String?
            public let filename: String?
            /// "inline", "attachment" or nil when the part has no Content-Disposition.
            public let disposition: String?
            public let transferEncoding: String?
            /// Where the sink wrote the decoded payload.
            public let path: String
            /// The decoded text of text/* parts, line endings normalised to "\n".
            public let text: String?

            /// The decoded payload bytes, exactly.
            public func data() throws -> Data {
                try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }

        /// How the client logged in, when it did.
        public struct Authentication: Sendable, Decodable, Equatable {
            /// `PLAIN`, `LOGIN` or `XOAUTH2`.
            public let mechanism: String
            public let login: String
        }

        public let envelopeFrom: String
        public let envelopeTo: [String]
        /// Nil when the message arrived without AUTH.
        public let auth: Authentication?
        /// Everything wrong with the bytes or the MIME structure; empty for a clean message.
        public let defects: [String]
        /// Top-level headers as `[name, value]` in order, values RFC 2047-decoded.
        public let headers: [[String]]
        /// Every leaf part in `walk()` order.
        public let parts: [Part]
        /// E.g. `multipart/mixed(multipart/alternative(text/plain,text/html),audio/wav)`.
        public let multipartStructure: String
        /// The .eml file with the message exactly as received (after dot-unstuffing).
        public let rawPath: String

        public var rawURL: URL { URL(fileURLWithPath: rawPath) }

        /// The first header with that name, compared case-insensitively.
        public func header(_ name: String) -> String? {
            headers(named: name).first
        }

        /// Every header with that name, compared case-insensitively, in order.
        public func headers(named name: String) -> [String] {
            let wanted = name.lowercased()
            return headers.compactMap { pair in
                pair.count == 2 && pair[0].lowercased() == wanted ? pair[1] : nil
            }
        }

        /// Leaf parts with that content type, e.g. "audio/wav".
        public func parts(contentType: String) -> [Part] {
            parts.filter { $0.contentType == contentType.lowercased() }
        }

        /// The message exactly as received.
        public func raw() throws -> Data {
            try Data(contentsOf: rawURL)
        }
    }

    public let port: Int
    public let directory: URL
    /// Whether the sink speaks TLS on connect; `url` is then `smtps://`.
    public let implicitTLS: Bool
    private let child: Child

    /// The self-signed certificate to trust when `tls` or `implicitTLS` is on.
    public var caFile: URL { directory.appendingPathComponent("cert.pem") }
    public var url: String { "\(implicitTLS ? "smtps" : "smtp")://127.0.0.1:\(port)" }

    private init(port: Int, directory: URL, implicitTLS: Bool, child: Child) {
        self.port = port
        self.directory = directory
        self.implicitTLS = implicitTLS
        self.child = child
    }

    deinit {
        child.stop()
    }

    /// Launches the sink and waits (up to 15 s) until it accepts connections.
    ///
    /// - Parameters:
    ///   - directory: where messages are stored; default a fresh temporary directory,
    ///     kept after `stop()` so a failing test's mail can be inspected. Messages
    ///     already in a reused directory count, and numbering continues after them.
    ///   - script: smtp_sink.py; default the copy bundled with RingbackTesting.
    public static func start(_ options: Options = .init(), directory: URL? = nil, script: URL? = nil) async throws -> SMTPSink {
        let directory =
            directory
            ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("ringback-smtp-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        guard let script = script ?? Bundle.module.url(forResource: "smtp_sink", withExtension: "py") else {
            throw Failure(description: "smtp_sink.py is missing from the RingbackTesting resource bundle")
        }

        var arguments = ["-B", script.path, "--dir", directory.path, "--port", String(options.port ?? 0)]
        if options.implicitTLS {
            arguments.append("--implicit-tls")
        } else if options.tls {
            arguments.append("--tls")
            if options.requireStartTLS { arguments.append("--require-starttls") }
        }
        if let auth = options.auth {
            arguments += ["--auth", "\(auth.user):\(auth.password)"]
        }
        if let oauth2 = options.oauth2 {
            arguments += ["--xoauth2", "\(oauth2.user):\(oauth2.token)"]
        }
        if !options.offerAuth {
            arguments.append("--no-auth-offer")
        }
        for address in options.rejectRecipients {
            arguments += ["--reject-rcpt", address]
        }
        for address in options.deferRecipients {
            arguments += ["--defer-rcpt", address]
        }

        let child = try Child(
            arguments: arguments, stdoutLog: directory.appendingPathComponent("smtp_sink.stdout.log"),
            stderrLog: directory.appendingPathComponent("smtp_sink.stderr.log"))
        let deadline = ContinuousClock.now + .seconds(15)
        while true {
            if let port = child.readyPort() {
                return SMTPSink(port: port, directory: directory, implicitTLS: options.implicitTLS, child: child)
            }
            if !child.isRunning {
                throw Failure(description: "smtp_sink.py exited (status \(child.exitStatus)) before READY:\n\(child.stderrText())")
            }
            if ContinuousClock.now >= deadline {
                child.stop()
                throw Failure(description: "smtp_sink.py printed no READY line within 15 s:\n\(child.stderrText())")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Every message whose summary is complete, oldest first.
    public func messages() throws -> [ReceivedMail] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let numbered = names.compactMap { name -> (Int, String)? in
            guard name.hasSuffix(".json"), let number = Int(name.dropLast(5)) else { return nil }
            return (number, name)
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try numbered.sorted { $0.0 < $1.0 }.map { _, name in
            let file = directory.appendingPathComponent(name)
            do {
                return try decoder.decode(ReceivedMail.self, from: Data(contentsOf: file))
            } catch {
                throw Failure(description: "cannot decode \(file.path): \(error)")
            }
        }
    }

    /// Polls every 50 ms until at least `count` messages arrived; returns all of them.
    public func waitForMessages(count: Int, timeout: Duration = .seconds(20)) async throws -> [ReceivedMail] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let mails = try messages()
            if mails.count >= count { return mails }
            if !child.isRunning {
                throw Failure(description: "smtp_sink.py exited with \(mails.count) of \(count) message(s) received:\n\(child.stderrText())")
            }
            if ContinuousClock.now >= deadline {
                throw Failure(description: "waited \(timeout) for \(count) message(s) but \(mails.count) arrived in \(directory.path)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Sends SIGTERM and waits for the server to exit (SIGKILL after 5 s). Idempotent.
    public func stop() {
        child.stop()
    }
}

/// The name tests use; nested in SMTPSink to keep one primary type per file.
public typealias ReceivedMail = SMTPSink.ReceivedMail
