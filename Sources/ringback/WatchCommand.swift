import ArgumentParser
import Foundation
import Ringback
import ServiceLifecycle

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Process what is in the drop folders, then every new voicemail, until stopped (SIGTERM or Ctrl-C).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let config = try global.loadConfig()
        let logger = global.makeLogger(default: .info)
        let pipeline: VoicemailPipeline
        do {
            pipeline = try VoicemailPipeline.live(config: config, logger: logger)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        let watcher = IntakeWatcher(pipeline: pipeline, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [watcher], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
