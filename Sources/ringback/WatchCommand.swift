import ArgumentParser
import Foundation
import Ringback
import RingbackMalloc
import ServiceLifecycle

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Process what is in the drop folders, then every new voicemail, until stopped (SIGTERM or Ctrl-C).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        MallocArenas.limit()
        let config = try global.loadConfig()
        // A drop folder that is not there is a mistake in the path far more often than a share not mounted yet:
        // stop now, naming it, rather than watch nothing.
        for (index, intake) in config.intake.enumerated() {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: intake.path, isDirectory: &isFolder)
            guard exists, isFolder.boolValue else {
                printError(
                    "error: \(global.config): intake[\(index)].path: \(intake.path) \(exists ? "is not a folder" : "does not exist");"
                        + " create it (mkdir -p \(intake.path)) or correct the path")
                throw ExitCode(2)
            }
        }
        let logger = global.makeLogger(default: .info)
        for warning in config.fileWarnings { logger.warning("the configuration is \(warning)") }
        let pipeline = try global.makePipeline(config, logger: logger)
        try await global.prepareEngines(pipeline)
        // One watch per site: a second one stands by until the first stops renewing its lease. One node of all on the
        // ledger runs the reminders, texts, webhooks and the digest.
        let lease = WatchLease(pipeline: pipeline, role: .site, logger: logger)
        let cluster = WatchLease(pipeline: pipeline, role: .cluster, logger: logger)
        let watcher = IntakeWatcher(pipeline: pipeline, logger: logger)
        let callbacks = CallbackServices.split(pipeline: pipeline, logger: logger)
        var services: [any Service] = [lease, cluster] + ([watcher] + callbacks.site).map(lease.standby) + callbacks.cluster.map(cluster.standby)
        if let web = config.web {  // the one-click links' confirmation pages, /metrics and /healthz
            // Only the watch holding the lease listens: a standby on the same config would find the address taken.
            let server = LinkServer(
                ledger: pipeline.ledger, web: web, owner: config.owner, callbacks: config.callbacks, callerTexts: config.callerTexts,
                metrics: pipeline.metrics, logger: logger)
            services.append(
                lease.standby(
                    server.application(host: web.host, port: web.port, logger: logger) { port in
                        logger.info(
                            "serving",
                            metadata: [
                                "listen": "\(web.host):\(port)", "links": "\(web.publicURL ?? "off")",
                                "push": "\(web.push.map { "\($0.tokens.count) PBX, into \($0.folder)" } ?? "off")",
                            ])
                    }))
        }
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Work in flight gets shutdown_grace to finish; then it is cancelled and resumes at its stage next start.
        configuration.maximumGracefulShutdownDuration = config.shutdownGrace.duration
        configuration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        try await group.run()
        // A decode told to stop finishes its current step in the background; whisper.cpp must not be torn down
        // under it at exit.
        WhisperTranscriber.waitForStoppedDecodes(timeout: 30)
    }
}
