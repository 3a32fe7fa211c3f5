public import Foundation
import RingbackCore

/// What a path in a drop folder is, read with `lstat` (the path is not opened and a link not followed), and whether
/// Ringback may read it. Only regular files are read. A symbolic link is followed only when it leads, within eight
/// hops, to a regular file inside one of the drop folders; a loop, a dangling link or one leading anywhere else is bad
/// input, and so are FIFOs, sockets, devices and directories named like audio. None of them is ever opened.
public enum IntakePath {
    public enum Kind: Equatable {
        case regular(size: Int64)
        case symbolicLink
        case missing
        /// Anything else Ringback never opens: what it is, in words.
        case other(String)
    }

    public static func inspect(_ url: URL) -> Kind {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { return .missing }
        switch attributes[.type] as? FileAttributeType {
        case .typeRegular?: return .regular(size: (attributes[.size] as? NSNumber)?.int64Value ?? 0)
        case .typeSymbolicLink?: return .symbolicLink
        case .typeDirectory?: return .other("a directory")
        case .typeSocket?: return .other("a socket")
        case .typeCharacterSpecial?, .typeBlockSpecial?: return .other("a device")
        default: return .other("a FIFO or another special file")
        }
    }

    /// Why `url` must not be read, or nil when it is a regular file (or a link to one inside `roots`). A path that is
    /// not there at all is left to the probe, which says so.
    public static func refusal(for url: URL, roots: [String]) -> String? {
        switch inspect(url) {
        case .regular, .missing: return nil
        case .symbolicLink: return linkRefusal(url, roots: roots)
        case .other(let kind): return "not a regular file (\(kind)): never opened"
        }
    }

    private static func linkRefusal(_ url: URL, roots: [String]) -> String? {
        var current = url
        for _ in 0..<8 {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: current.path) else {
                return "a symbolic link that cannot be read: never followed"
            }
            current = URL(fileURLWithPath: target, relativeTo: current.deletingLastPathComponent()).standardizedFileURL
            switch inspect(current) {
            case .regular:
                let path = current.path
                let inside = roots.contains { root in
                    let folder = URL(fileURLWithPath: root).standardizedFileURL.path
                    return path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
                }
                return inside ? nil : "a symbolic link to \(shown(current)), outside the drop folders: never followed"
            case .symbolicLink: continue
            case .missing: return "a symbolic link to nothing (\(shown(current))): never followed"
            case .other(let kind): return "a symbolic link to \(kind): never followed"
            }
        }
        return "a symbolic link loop (more than 8 links): never followed"
    }

    /// A path as a log line or message shows it: control characters and invalid bytes escaped, so a file name cannot
    /// forge a line or reorder text.
    public static func shown(_ url: URL) -> String { TextSafety.escaped(url.path) }
}
