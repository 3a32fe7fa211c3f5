/// A text as lowercased words, to find whole words and phrases in it whatever the case and punctuation: "Burst pipe!"
/// contains "burst pipe", "pipe" and "BURST", not "pip".
public struct Words: Sendable {
    /// ` burst pipe `: the words between single spaces, padded so a phrase matches only at word boundaries.
    private let spaced: String

    public init(_ text: String) {
        spaced = " \(Self.joined(text)) "
    }

    /// Whether `phrase` (one word or several) appears as whole words; an empty phrase never does.
    public func contain(_ phrase: String) -> Bool {
        let key = Self.joined(phrase)
        return !key.isEmpty && spaced.contains(" \(key) ")
    }

    private static func joined(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ")
    }
}
