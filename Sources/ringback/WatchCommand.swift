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
        let pipeline = try global.makePipeline(config, logger: logger)
        let watcher = IntakeWatcher(pipeline: pipeline, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [watcher], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
