public import Foundation

/// A fresh folder for one test, removed when the value goes away.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init(_ label: String = "ringback") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// A path inside the folder, with its parent folders created.
    public func path(_ relative: String) throws -> URL {
        let target = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        return target
    }

    /// Writes text to a file inside the folder.
    @discardableResult
    public func write(_ text: String, to relative: String) throws -> URL {
        let target = try path(relative)
        try Data(text.utf8).write(to: target)
        return target
    }
}
