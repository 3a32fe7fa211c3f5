public import Foundation
public import Logging
public import ServiceLifecycle

/// `ringback watch`: processes what is already in the drop folders, then every file that arrives, until SIGTERM.
///
/// Polls each folder on its `poll` interval. A file is read once it has been unchanged for `settle`; a file the
/// ledger already settled is skipped without being read; a pending one is retried when its back-off has passed.
public struct IntakeWatcher: Service {
    let pipeline: VoicemailPipeline
    let logger: Logger

    public init(pipeline: VoicemailPipeline, logger: Logger) {
        self.pipeline = pipeline
        self.logger = logger
    }

    public func run() async throws {
        let intakes = pipeline.config.intake
        let poll = intakes.map(\.poll.duration).min() ?? .seconds(2)
        logger.info("watching", metadata: ["folders": "\(intakes.map(\.path).joined(separator: ", "))"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            for intake in intakes {
                await sweep(intake)
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: poll) }
        }
        logger.info("watcher stopped")
    }

    /// One pass over a folder. Work in flight finishes even when shutdown is requested mid-pass.
    func sweep(_ intake: IntakeConfig) async {
        let scanner = IntakeScanner(layout: intake.layout)
        for file in scanner.candidates(in: [URL(fileURLWithPath: intake.path, isDirectory: true)]) {
            if Task.isShuttingDownGracefully { return }
            guard await isDue(file, intake: intake) else { continue }
            let result = await pipeline.process(file)
            logger.info("processed", metadata: ["file": "\(file.path)", "status": "\(result.status.rawValue)", "detail": "\(result.detail)"])
        }
    }

    private func isDue(_ file: URL, intake: IntakeConfig) async -> Bool {
        guard let stamp = FileStamp(file) else { return false }  // vanished since the scan
        let age = pipeline.now().timeIntervalSince1970 - stamp.modifiedAt
        if age < intake.settle.seconds { return false }  // still being written, or just written: next pass
        if intake.layout == .asterisk,
            !FileManager.default.fileExists(atPath: file.deletingPathExtension().appendingPathExtension("txt").path)
        {
            return false  // Asterisk renames the .txt in last: no .txt, not complete yet
        }
        guard let known = try? await pipeline.ledger.intakeFile(path: file.path),
            known.size == stamp.size, known.modifiedAt == stamp.modifiedAt
        else { return true }
        guard known.outcome == .pending, let key = known.voicemailKey else { return false }
        guard let record = try? await pipeline.ledger.voicemail(key: key) else { return true }
        return record.state != .notified && (record.nextAttemptAt ?? .distantPast) <= pipeline.now()
    }
}
