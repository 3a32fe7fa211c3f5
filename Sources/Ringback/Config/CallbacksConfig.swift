/// The callback promise: how soon a caller must hear back.
public struct CallbacksConfig: Sendable, Decodable {
    public var dueWithin: ConfigDuration

    public init(dueWithin: ConfigDuration = .init(.seconds(4 * 3600))) {
        self.dueWithin = dueWithin
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case dueWithin = "due_within" }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dueWithin = try container.decodeIfPresent(ConfigDuration.self, forKey: .dueWithin) ?? .init(.seconds(4 * 3600))
    }
}
