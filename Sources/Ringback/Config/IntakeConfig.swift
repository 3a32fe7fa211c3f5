/// One folder a PBX drops voicemail into.
public struct IntakeConfig: Sendable, Decodable {
    public enum Layout: String, Sendable, Decodable, CaseIterable {
        /// Any audio files, optionally with an Asterisk-style `.txt` sidecar beside them.
        case plain
        /// Asterisk's voicemail spool: `<context>/<mailbox>/<folder>/msgNNNN.<ext>` with `msgNNNN.txt`.
        case asterisk
    }

    public var path: String
    public var layout: Layout
    /// How often `ringback watch` looks for new files.
    public var poll: ConfigDuration
    /// A file must be unchanged this long before it is read (the PBX may still be writing it).
    public var settle: ConfigDuration

    public init(path: String, layout: Layout = .plain, poll: ConfigDuration = .init(.seconds(2)), settle: ConfigDuration = .init(.seconds(2))) {
        self.path = path
        self.layout = layout
        self.poll = poll
        self.settle = settle
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case path, layout, poll, settle }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decodeNonEmpty(.path)
        let layoutName = try container.decodeIfPresent(String.self, forKey: .layout) ?? "plain"
        guard let layout = Layout(rawValue: layoutName) else {
            throw container.invalid(
                .layout, "unknown layout \"\(layoutName)\" (expected \(Layout.allCases.map(\.rawValue).joined(separator: " | ")))")
        }
        self.layout = layout
        poll = try container.decodeIfPresent(ConfigDuration.self, forKey: .poll) ?? .init(.seconds(2))
        settle = try container.decodeIfPresent(ConfigDuration.self, forKey: .settle) ?? .init(.seconds(2))
    }
}
