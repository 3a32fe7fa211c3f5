import Foundation
public import RingbackCore

/// `web.push`: PBXs without a Ringback of their own POST each new voicemail to `/v1/voicemails`. Each upload is
/// stored in `folder` (one of the `intake` folders) before it is acknowledged, and read from there like any drop.
public struct PushConfig: Sendable, Decodable {
    /// Where uploads are stored: must be one of `intake[].path`, so `watch` reads them.
    public var folder: String
    /// One bearer token per PBX, by the name its uploads are filed under (`site-a: "${PBX_SITE_A_TOKEN}"`).
    public var tokens: [String: Secret]
    /// The largest upload taken, audio and metadata together.
    public var maxBytes: Int64

    public static let defaultMaxBytes: Int64 = 64 << 20

    public init(folder: String, tokens: [String: Secret], maxBytes: Int64 = defaultMaxBytes) {
        self.folder = folder
        self.tokens = tokens
        self.maxBytes = maxBytes
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case folder, tokens
        case maxBytes = "max_bytes"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        folder = try container.decodeNonEmpty(.folder)
        tokens = try container.decodeIfPresent([String: Secret].self, forKey: .tokens) ?? [:]
        guard !tokens.isEmpty else { throw container.invalid(.tokens, "needs at least one PBX: tokens: { site-a: \"${PBX_SITE_A_TOKEN}\" }") }
        for (name, token) in tokens.sorted(by: { $0.key < $1.key }) {
            guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", options: .regularExpression) != nil else {
                throw container.invalid(.tokens, "\"\(name)\" is not a usable PBX name: letters, digits, - and _, at most 40")
            }
            guard token.value.count >= 24 else {
                throw ConfigError(
                    .invalid, key: (container.codingPath + [CodingKeys.tokens]).dotted + ".\(name)",
                    "must be at least 24 characters (try: openssl rand -hex 32)")
            }
        }
        if Set(tokens.values.map(\.value)).count != tokens.count {
            throw container.invalid(.tokens, "two PBXs share a token: each needs its own, so an upload says which PBX sent it")
        }
        maxBytes = try container.decodeIfPresent(Int64.self, forKey: .maxBytes) ?? Self.defaultMaxBytes
        guard (1024...(4 << 30)).contains(maxBytes) else { throw container.invalid(.maxBytes, "expected bytes from 1024 to 4294967296") }
    }

    /// The PBX whose token `header` (`Bearer …`) carries, compared in constant time; nil for none.
    public func pbx(authorization header: String?) -> String? {
        guard let header, header.lowercased().hasPrefix("bearer ") else { return nil }
        let given = Array(header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces).utf8)
        var found: String?
        for (name, token) in tokens {
            let expected = Array(token.value.utf8)
            var difference = UInt8(expected.count == given.count ? 0 : 1)
            for index in expected.indices { difference |= expected[index] ^ (index < given.count ? given[index] : 0) }
            if difference == 0 { found = name }
        }
        return found
    }
}
