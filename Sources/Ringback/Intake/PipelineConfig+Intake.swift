public import Foundation

extension PipelineConfig {
    /// The voicemails under files and folders, each read with the layout of the intake it lies in.
    public func sources(in paths: [URL]) -> [VoicemailSource] {
        var sources: [VoicemailSource] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory)
            let folder = exists && isDirectory.boolValue
            let home = folder ? intake(containing: path.appendingPathComponent("-")) : intake(containing: path)
            let files = IntakeScanner(layout: home.layout).candidates(in: [path])
            sources += home.reader(owner: owner).sources(from: files)
        }
        return sources
    }

    /// Where the ledger remembers a file (`intakeFile`): its path, within the site on a shared ledger, where two
    /// PBXs keep their messages under the same paths.
    public func ledgerPath(of url: URL) -> String {
        intake(containing: url).namespace.map { "\($0):\(url.path)" } ?? url.path
    }

    /// The configured intake a path lies in, or a plain one for files given from elsewhere.
    public func intake(containing url: URL) -> IntakeConfig {
        let path = url.standardizedFileURL.path
        let matching = intake.filter { path.hasPrefix(URL(fileURLWithPath: $0.path).standardizedFileURL.path + "/") }
        if let found = matching.max(by: { $0.path.count < $1.path.count }) { return found }
        var elsewhere = IntakeConfig(path: url.deletingLastPathComponent().path)
        elsewhere.namespace = sharedSite
        return elsewhere
    }
}
