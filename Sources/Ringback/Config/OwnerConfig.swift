public import Foundation
import RingbackCore

/// Who the cards are for, and the clock they read.
public struct OwnerConfig: Sendable, Decodable {
    public var name: String
    public var email: String
    public var timezone: TimeZone
    /// ISO 3166 code: how national numbers are read and shown (`US`: `(555) 123-0000`).
    public var country: String
    /// The PBX's outside-line prefixes (`["9"]`), stripped from caller IDs that carry them.
    public var dialPrefixes: [String]

    public init(name: String = "Owner", email: String = "owner@example.com", timezone: TimeZone = .current, country: String = "US", dialPrefixes: [String] = [])
    {
        self.name = name
        self.email = email
        self.timezone = timezone
        self.country = country
        self.dialPrefixes = dialPrefixes
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, email, timezone, country
        case dialPrefixes = "dial_prefixes"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? "Owner"
        email = try container.decodeNonEmpty(.email)
        let zone = try container.decodeIfPresent(String.self, forKey: .timezone) ?? TimeZone.current.identifier
        guard let timezone = TimeZone(identifier: zone) else {
            throw container.invalid(.timezone, "unknown time zone \"\(zone)\" (use an IANA name such as America/Chicago)")
        }
        self.timezone = timezone
        country = (try container.decodeIfPresent(String.self, forKey: .country) ?? "US").uppercased()
        guard CountryDialing.lookup(country) != nil else {
            throw container.invalid(.country, "unknown or unsupported country \"\(country)\" (use an ISO 3166 code such as US, GB, DE)")
        }
        dialPrefixes = try container.decodeIfPresent([String].self, forKey: .dialPrefixes) ?? []
    }
}
