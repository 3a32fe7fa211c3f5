import Foundation
public import RingbackCore

/// `web`: the one-click links on cards, reminders and digests, served by `ringback watch`.
public struct WebConfig: Sendable, Decodable {
    /// Where `watch` listens: `127.0.0.1:8025` (put a TLS reverse proxy in front for the internet).
    public var host: String
    public var port: Int
    /// The links' base as the owner's phone reaches it: `https://ringback.acme.example`. Without it (and `secret`)
    /// cards carry no links and the listener serves only `/metrics` and `/healthz`.
    public var publicURL: String?
    /// Signs every link (HMAC-SHA256); at least 16 characters, from the environment.
    public var secret: Secret?
    /// How long a link works.
    public var linkTTL: ConfigDuration
    /// Connections open at once (256): at the limit, the one quiet the longest is closed for the newcomer, so the
    /// listener never holds the descriptors intake needs.
    public var maxConnections: Int
    /// Voicemail pushed by PBXs over HTTPS (`POST /v1/voicemails`), when configured.
    public var push: PushConfig?

    public init(
        host: String = "127.0.0.1", port: Int = 8025, publicURL: String?, secret: Secret?, linkTTL: ConfigDuration = .init(.seconds(14 * 86400)),
        maxConnections: Int = 256
    ) {
        self.host = host
        self.port = port
        self.publicURL = publicURL
        self.secret = secret
        self.linkTTL = linkTTL
        self.maxConnections = maxConnections
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listen
        case publicURL = "public_url"
        case secret
        case linkTTL = "link_ttl"
        case maxConnections = "max_connections"
        case push
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let listen = try container.decodeIfPresent(String.self, forKey: .listen) ?? "127.0.0.1:8025"
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            throw container.invalid(.listen, "expected host:port like 127.0.0.1:8025, found \"\(listen)\"")
        }
        host = String(listen[..<colon])
        self.port = port
        if let base = try container.decodeIfPresent(String.self, forKey: .publicURL) {
            guard let url = URL(string: base), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw container.invalid(.publicURL, "expected a URL like https://ringback.example.com, found \"\(base)\"")
            }
            publicURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        }
        secret = try container.decodeIfPresent(Secret.self, forKey: .secret)
        if let secret, secret.value.count < 16 { throw container.invalid(.secret, "must be at least 16 characters (try: openssl rand -hex 32)") }
        if (publicURL == nil) != (secret == nil) {
            throw container.invalid(publicURL == nil ? .publicURL : .secret, "links need both web.public_url and web.secret")
        }
        linkTTL = try container.decodeIfPresent(ConfigDuration.self, forKey: .linkTTL) ?? .init(.seconds(14 * 86400))
        maxConnections = try container.decodeIfPresent(Int.self, forKey: .maxConnections) ?? 256
        guard (1...100_000).contains(maxConnections) else {
            throw container.invalid(.maxConnections, "expected a number of connections from 1 to 100000, found \(maxConnections)")
        }
        push = try container.decodeIfPresent(PushConfig.self, forKey: .push)
    }
}
