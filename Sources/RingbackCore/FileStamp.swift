public import Foundation

/// Size and modification time: how the watcher tells a file it has seen from one that changed.
public struct FileStamp: Equatable {
    public var size: Int64
    public var modifiedAt: Double

    public init?(_ url: URL) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { return nil }
        size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        modifiedAt = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
    }
}
