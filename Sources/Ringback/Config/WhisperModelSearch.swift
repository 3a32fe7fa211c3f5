public import Foundation

/// Where the offline engine's model is when `model:` does not say: the file `make deps` installs under
/// `models/`, beside the configuration, above the binary (`.build/release/ringback` in a checkout), or in the
/// system-wide place an installed Ringback uses.
public enum WhisperModelSearch {
    public static let systemFolder = "/usr/local/share/ringback/models"
    /// The model `make deps` installs.
    public static let defaultModelName = "ggml-base-q8_0.bin"

    /// Every place looked at, in order.
    public static func candidates(configFolder: URL?) -> [String] {
        let name = defaultModelName
        var folders: [URL] = []
        if let configFolder { folders.append(configFolder) }
        if let executable = Bundle.main.executableURL?.deletingLastPathComponent() {
            var folder = executable
            for _ in 0..<4 {
                folders.append(folder)
                folder = folder.deletingLastPathComponent()
            }
        }
        var paths = folders.map { $0.appendingPathComponent("models").appendingPathComponent(name).standardizedFileURL.path }
        paths.append(systemFolder + "/" + name)
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }

    /// The first candidate that exists, or the first one (so the error names where it was expected).
    public static func defaultPath(configFolder: URL?) -> String {
        let candidates = candidates(configFolder: configFolder)
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
    }
}
