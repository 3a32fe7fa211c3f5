public import Foundation

/// File names that are not UTF-8. Foundation reads such a name with U+FFFD in place of each bad byte, and the path it
/// then holds names nothing, so the file would be passed over without a word. Intake instead renames it in place, each
/// byte that is not UTF-8 written as `%XX` (`caf\xE9.wav` becomes `caf%E9.wav`), and its sidecars with it, since they
/// share its stem; the rename is logged, and the file then goes through like any other.
public enum ForeignNames {
    public struct Renamed: Sendable, Equatable {
        /// The old name, each bad byte shown as `\xE9`.
        public let shown: String
        public let to: URL
    }

    public struct Failure: Error, Sendable, Equatable {
        public let shown: String
        public let reason: String
    }

    /// Renames every entry under `root` (recursively, hidden ones left alone) whose name is not UTF-8; with `dryRun`
    /// only says what it would rename.
    public static func repair(under root: URL, dryRun: Bool = false) -> (renamed: [Renamed], failed: [Failure]) {
        var renamed: [Renamed] = []
        var failed: [Failure] = []
        var folders = [Array(root.path.utf8)]
        while let folder = folders.popLast() {
            for entry in entries(of: folder) {
                let path = folder + [UInt8(ascii: "/")] + entry.name
                guard String(validating: entry.name, as: UTF8.self) == nil else {
                    if entry.isFolder { folders.append(path) }
                    continue
                }
                let shown = String(decoding: folder, as: UTF8.self) + "/" + display(entry.name)
                let target = URL(fileURLWithPath: String(decoding: folder, as: UTF8.self)).appendingPathComponent(freeName(for: entry.name, in: folder))
                if dryRun {
                    renamed.append(Renamed(shown: shown, to: target))
                } else if rename(cPath(path), target.path) == 0 {
                    renamed.append(Renamed(shown: shown, to: target))
                    if entry.isFolder { folders.append(Array(target.path.utf8)) }
                } else {
                    failed.append(Failure(shown: shown, reason: String(cString: strerror(errno))))
                }
            }
        }
        return (renamed, failed)
    }

    /// The name as text: valid UTF-8 kept, each other byte as `\xE9`. For logs and errors.
    public static func display(_ bytes: [UInt8]) -> String {
        escape(bytes) { String(format: "\\x%02X", $0) }
    }

    /// The new name: valid UTF-8 kept, each other byte as `%E9`; `-2`, `-3`… before the extension if that is taken.
    static func freeName(for bytes: [UInt8], in folder: [UInt8]) -> String {
        let name = escape(bytes) { String(format: "%%%02X", $0) }
        let stem = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        var candidate = name
        var number = 2
        let base = String(decoding: folder, as: UTF8.self)
        var status = stat()
        while lstat(base + "/" + candidate, &status) == 0 {
            candidate = ext.isEmpty ? "\(stem)-\(number)" : "\(stem)-\(number).\(ext)"
            number += 1
        }
        return candidate
    }

    private static func escape(_ bytes: [UInt8], _ byte: (UInt8) -> String) -> String {
        var text = ""
        var rest = bytes[...]
        while !rest.isEmpty {
            // The longest valid UTF-8 run (a sequence is at most 4 bytes), else one bad byte.
            if let length = (1...min(4, rest.count)).first(where: { String(validating: rest.prefix($0), as: UTF8.self) != nil }) {
                text += String(decoding: rest.prefix(length), as: UTF8.self)
                rest = rest.dropFirst(length)
            } else {
                text += byte(rest[rest.startIndex])
                rest = rest.dropFirst()
            }
        }
        return text
    }

    private struct Entry {
        let name: [UInt8]
        let isFolder: Bool
    }

    /// The folder's entries as bytes, without `.`, `..` and hidden ones; folders only when they are real folders.
    private static func entries(of folder: [UInt8]) -> [Entry] {
        guard let handle = opendir(cPath(folder)) else { return [] }
        defer { closedir(handle) }
        var found: [Entry] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            guard let first = name.first, first != UInt8(ascii: ".") else { continue }
            found.append(Entry(name: name, isFolder: Int(entry.pointee.d_type) == Int(DT_DIR)))
        }
        return found
    }

    private static func cPath(_ bytes: [UInt8]) -> [CChar] {
        bytes.map { CChar(bitPattern: $0) } + [0]
    }
}
