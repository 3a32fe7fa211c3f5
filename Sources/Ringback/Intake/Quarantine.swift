public import Foundation

/// Where bad input goes: a copy of the file (the original is never deleted) and a `.reason.txt` beside it.
public struct Quarantine: Sendable {
    public let folder: URL

    public init(folder: URL) {
        self.folder = folder
    }

    /// Copies `file` (and its sidecar, if any) into the quarantine folder; returns where the copy went.
    @discardableResult
    public func admit(_ file: URL, sidecar: URL?, code: String, reason: String, at date: Date) throws -> URL {
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        let destination = uniqueDestination(for: file.lastPathComponent)
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            try manager.copyItem(at: file, to: destination)
        }  // a directory named like audio: the reason file alone records it
        if let sidecar, manager.fileExists(atPath: sidecar.path) {
            try? manager.copyItem(at: sidecar, to: destination.deletingPathExtension().appendingPathExtension("txt"))
        }
        let note = """
            file: \(file.path)
            code: \(code)
            reason: \(reason)
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
