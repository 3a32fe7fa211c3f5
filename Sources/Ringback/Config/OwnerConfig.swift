public import Foundation

/// Who the cards are for, and the clock they read.
public struct OwnerConfig: Sendable, Decodable {
    public var name: String
    public var email: String
    public var timezone: TimeZone

    public init(name: String = "Owner", email: String = "owner@example.com", timezone: TimeZone = .current) {
        self.name = name
        self.email = email
        self.timezone = timezone
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, email, timezone }

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
    }
}
