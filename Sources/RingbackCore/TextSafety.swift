/// What a caller, a PBX or a transcript may not put into anything Ringback writes: control characters (C0, DEL,
/// C1), bidirectional embeddings, overrides and isolates (which reorder what a reader sees: `U+202E` makes
/// `evil.wav` read backwards) and Unicode's line and paragraph separators.
public enum TextSafety {
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true  // C0, DEL, C1 (U+0085 is a line break to some readers)
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true  // bidi marks, embeddings, overrides, isolates
        case 0x2028, 0x2029: true  // line and paragraph separators
        default: false
        }
    }

    /// One line: each unsafe character (line breaks and tabs included) becomes a space, and runs of spaces one space.
    public static func line(_ text: String) -> String {
        let scalars = text.unicodeScalars.map { isUnsafe($0) ? " " : $0 }
        return String(String.UnicodeScalarView(scalars)).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// Running text: line breaks kept as `\n` (CR LF and CR become `\n`), tabs as spaces, every other unsafe
    /// character removed.
    public static func text(_ text: String) -> String {
        var output = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            defer { previous = scalar }
            switch scalar {
            case "\n": if previous != "\r" { output.append("\n") }
            case "\r": output.append("\n")
            case "\t": output.append(" ")
            case _ where isUnsafe(scalar): continue
            default: output.append(scalar)
            }
        }
        return String(output)
    }

    /// For log lines and paths: each unsafe character written as `\u{…}`, so a file name cannot forge a line and the
    /// bytes it had stay visible.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var output = ""
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                output += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
