public import Foundation

/// Finds the recordings under a drop folder (recursively), leaving out sidecars, hidden files and Asterisk's work areas.
public struct IntakeScanner: Sendable {
    public var layout: IntakeConfig.Layout

    public init(layout: IntakeConfig.Layout = .plain) {
        self.layout = layout
    }

    /// Metadata files that describe a recording rather than being one.
    static let sidecarExtensions: Set<String> = ["txt", "json"]
    /// Asterisk greetings live beside the folders of messages.
    static let greetingStems: Set<String> = ["unavail", "busy", "greet", "temp"]

    /// Every candidate recording under `paths` (files or folders), sorted for a stable order.
    public func candidates(in paths: [URL]) -> [URL] {
        var found: [URL] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
                found.append(path)  // reported as unreadable by the pipeline, naming the path
                continue
            }
            if isDirectory.boolValue {
                found += scan(folder: path)
            } else {
                found.append(path)
            }
        }
        return found
    }

    private func scan(folder: URL) -> [URL] {
        let keys: [URLResourceKey] = [.isRegularFileKey, .isDirectoryKey]
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: keys, options: [.skipsHiddenFiles])
        else { return [] }
        var found: [URL] = []
        for case let url as URL in enumerator {
            let values = try? url.resourceValues(forKeys: Set(keys))
            if values?.isDirectory == true {
                if layout == .asterisk, url.lastPathComponent == "tmp" { enumerator.skipDescendants() }
                // A directory named like audio (`x.wav/`) is bad input, not a folder to walk.
                if AudioExtensions.all.contains(url.pathExtension.lowercased()) {
                    found.append(url)
                    enumerator.skipDescendants()
                }
                continue
            }
            // Not only regular files: a FIFO, socket or link named like a recording is rejected with its reason by the
            // pipeline (IntakePath), never skipped without a word.
            guard isCandidate(url), values?.isRegularFile == true || AudioExtensions.all.contains(url.pathExtension.lowercased()) else { continue }
            found.append(url)
        }
        return found.sorted { $0.path < $1.path }
    }

    /// The sidecars (`.txt`, `.json`) under `folder`, recursively, hidden ones and quarantine notes left out.
    public func sidecars(in folder: URL) -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return [] }
        var found: [URL] = []
        for case let url as URL in enumerator
        where Self.sidecarExtensions.contains(url.pathExtension.lowercased()) && !url.lastPathComponent.hasSuffix(".reason.txt") {
            if layout == .asterisk, url.deletingLastPathComponent().lastPathComponent == "tmp" { continue }
            found.append(url)
        }
        return found
    }

    public func isCandidate(_ url: URL) -> Bool {
        let name = url.lastPathComponent
        let ext = url.pathExtension.lowercased()
        if Self.sidecarExtensions.contains(ext) || name.hasSuffix(".reason.txt") || name.hasPrefix(".") { return false }
        if layout == .asterisk {
            let stem = url.deletingPathExtension().lastPathComponent.lowercased()
            if Self.greetingStems.contains(stem) { return false }
        }
        return true
    }
}

/// File extensions libsndfile reads that PBXs write.
enum AudioExtensions {
    static let all: Set<String> = ["wav", "gsm", "flac", "ogg", "opus", "mp3", "au", "aiff", "aif", "sln", "ulaw", "alaw"]
}
