public import Foundation

/// Where bad input goes: a copy of the file (the original is never deleted) and a `.reason.txt` beside it.
///
/// Only a regular file up to `maxBytes` is copied, and read as a file, never followed: a FIFO, a socket, a device, a
/// directory or a symbolic link, or a file too large (a sparse 2 GB file is 2 GB to copy), is recorded by its path
/// and reason alone.
public struct Quarantine: Sendable {
    public let folder: URL
    public let maxBytes: Int64

    public init(folder: URL, maxBytes: Int64 = 64 << 20) {
        self.folder = folder
        self.maxBytes = maxBytes
    }

    /// Copies `file` (and its sidecar, if any) into the quarantine folder when it may; returns where the copy, or the
    /// reason file alone, went.
    @discardableResult
    public func admit(_ file: URL, sidecar: URL?, code: String, reason: String, at date: Date) throws -> URL {
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        let destination = uniqueDestination(for: file.lastPathComponent)
        var copied = "no"
        switch IntakePath.inspect(file) {
        case .regular(let size) where size <= maxBytes:
            try manager.copyItem(at: file, to: destination)
            copied = "yes"
        case .regular(let size):
            copied = "no: \(size) bytes, over quarantine_max_bytes (\(maxBytes)); the file stays where it is"
        case .symbolicLink:
            copied = "no: a symbolic link"
        case .missing:
            copied = "no: missing or unreadable"
        case .other(let kind):
            copied = "no: \(kind)"
        }
        if let sidecar, case .regular(let size) = IntakePath.inspect(sidecar), size <= maxBytes {
            try? manager.copyItem(at: sidecar, to: destination.deletingPathExtension().appendingPathExtension("txt"))
        }
        let note = """
            file: \(IntakePath.shown(file))
            code: \(code)
            reason: \(reason)
            copied: \(copied)
            quarantined: \(date.formatted(.iso8601))

            """
        try Data(note.utf8).write(to: URL(fileURLWithPath: destination.path + ".reason.txt"))
        return destination
    }

    private func uniqueDestination(for name: String) -> URL {
        var candidate = folder.appendingPathComponent(name)
        var counter = 1
        while FileManager.default.fileExists(atPath: candidate.path) {
            counter += 1
            let stem = (name as NSString).deletingPathExtension
            let ext = (name as NSString).pathExtension
            candidate = folder.appendingPathComponent(ext.isEmpty ? "\(stem)-\(counter)" : "\(stem)-\(counter).\(ext)")
        }
        return candidate
    }
}
