/// Any key, to see the keys a mapping really has (a `CodingKeys` container hides unknown ones).
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

extension Decoder {
    /// Stops on a key the section does not define: a typo must not silently fall back to a default.
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        let known = Set(Keys.allCases.map(\.stringValue))
        for key in container.allKeys where !known.contains(key.stringValue) {
            let path = (codingPath + [key]).dotted
            throw ConfigError(
                .unknownKey, key: path,
                "unknown key (expected one of: \(known.sorted().joined(separator: ", ")))")
        }
    }
}

extension KeyedDecodingContainer {
    /// A required string that must not be blank.
    func decodeNonEmpty(_ key: Key) throws -> String {
        let value = try decode(String.self, forKey: key).trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else {
            throw ConfigError(.missing, key: (codingPath + [key]).dotted, "must not be empty")
        }
        return value
    }

    func invalid(_ key: Key, _ message: String) -> ConfigError {
        ConfigError(.invalid, key: (codingPath + [key]).dotted, message)
    }
}

extension KeyedDecodingContainer {
    /// One of an enum's spellings; anything else names the key and lists the choices.
    func decodeChoice<Choice: RawRepresentable & CaseIterable>(_ key: Key, default fallback: Choice) throws -> Choice
    where Choice.RawValue == String {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return fallback }
        guard let choice = Choice(rawValue: text) else {
            let choices = Choice.allCases.map(\.rawValue).joined(separator: " | ")
            throw invalid(key, "unknown value \"\(text)\" (expected \(choices))")
        }
        return choice
    }
}
