import ArgumentParser
import Foundation
import Ringback
import RingbackCore
import RingbackMalloc

struct ReprocessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reprocess",
        abstract: "Run files and folders (recursively) through the whole pipeline, once each.",
        discussion: "Voicemails already notified are skipped unless --resend. Exits 1 if any file was rejected or is left pending.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "How many voicemails to process at once.")
    var concurrency: Int = 4

    @Flag(help: "Show what would happen; write, transcribe and send nothing.")
    var dryRun = false

    @Flag(help: "Send the card again even for voicemails already notified.")
    var resend = false

    @Flag(help: "Print one JSON document instead of text; progress goes to standard error.")
    var json = false

    @Argument(help: "Files and folders to process.")
    var paths: [String]

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        MallocArenas.limit()
        let config = try global.loadConfig()
        let logger = global.makeLogger(default: .error)
        let pipeline = try global.makePipeline(config, logger: logger)
        if !dryRun { try await global.prepareEngines(pipeline) }
        // A name that is not UTF-8 would name nothing once read: it is renamed first (see ForeignNames).
        var unnamable = false
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else { continue }
            let repair = ForeignNames.repair(under: URL(fileURLWithPath: path), dryRun: dryRun)
            for renamed in repair.renamed {
                printError("\(dryRun ? "would rename" : "renamed") \(renamed.shown) to \(renamed.to.lastPathComponent): its name is not UTF-8")
            }
            for failure in repair.failed {
                printError("\(failure.shown): its name is not UTF-8, and it cannot be renamed (\(failure.reason)); rename it by hand")
                unnamable = true
            }
        }
        let voicemails = config.sources(in: paths.map { URL(fileURLWithPath: $0) })
        let options = VoicemailPipeline.Options(dryRun: dryRun, resend: resend)
        let clock = ContinuousClock()
        let started = clock.now
        let progress = BatchProgress(total: voicemails.count, linesToStandardError: json)
        progress.start()
        let results = await pipeline.process(voicemails, options: options, concurrency: concurrency) { result in
            // A file name or a detail with a line break or an escape sequence is shown escaped: one line, no terminal tricks.
            let line = "\(result.status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(result.path)  \(result.summary)"
            progress.finished(TextSafety.escaped(line))
        }
        progress.stop()
        // Webhook receivers hear of the batch now, not when `watch` next looks (a cron job may have no `watch`).
        if !dryRun { await pipeline.sendWebhooks() }

        let elapsed = clock.now - started
        let summary = BatchSummary(
            results: results, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, dryRun: dryRun)
        if json {
            try printBatchReport(files: results.sorted { $0.path < $1.path }, summary: summary)
        } else {
            print(summary.line)
        }
        if unnamable || results.contains(where: \.isFailure) { throw ExitCode(1) }
    }
}

extension ProcessOutcome {
    var summary: String {
        var parts: [String] = []
        if let id = voicemailID { parts.append("#\(id)") }
        if let caller, status != .rejected { parts.append(caller) }
        if let durationMs { parts.append(Duration.milliseconds(durationMs).callLength) }
        return (parts.isEmpty ? "" : parts.joined(separator: " ") + " — ") + detail
    }
}

struct BatchSummary: Encodable {
    var total: Int
    var notified: Int
    /// Late transcripts sent as replies to their cards in this run.
    var followedUp: Int
    /// Cards out whose transcript is still being retried.
    var transcriptsOwed: Int
    var skipped: Int
    var pending: Int
    /// Refused for good by the mail server: see `ringback outbox`.
    var failed: Int
    var rejected: Int
    var planned: Int
    var waiting: Int
    var seconds: Double
    var dryRun: Bool

    init(results: [ProcessOutcome], seconds: Double, dryRun: Bool) {
        func count(_ status: ProcessOutcome.Status) -> Int { results.filter { $0.status == status }.count }
        total = results.count
        notified = count(.notified)
        followedUp = count(.followedUp)
        transcriptsOwed = results.filter(\.owesTranscript).count
        skipped = count(.skipped)
        pending = count(.pending)
        failed = count(.failed)
        rejected = count(.rejected)
        planned = count(.planned)
        waiting = count(.waiting)
        self.seconds = (seconds * 1000).rounded() / 1000
        self.dryRun = dryRun
    }

    var line: String {
        let head = "\(total) voicemail\(total == 1 ? "" : "s")\(dryRun ? " (dry run)" : ""):"
        let counts =
            dryRun
            ? "\(planned) to process, \(skipped) already notified, \(rejected) bad"
            : "\(notified) notified, \(skipped) skipped, \(pending) pending, \(rejected) rejected"
                + (failed > 0 ? ", \(failed) refused by the mail server (see ringback outbox)" : "")
                + (followedUp > 0 ? ", \(followedUp) transcripts sent as replies" : "")
                + (transcriptsOwed > 0 ? ", \(transcriptsOwed) transcripts still owed" : "")
                + (waiting > 0 ? ", \(waiting) not ready yet" : "")
        return "\(head) \(counts) in \(String(format: "%.1f", seconds)) s"
    }
}

/// `{"files": [...], "summary": {...}}` exactly as `printJSON` would print it, encoded one file at a time: encoding the
/// whole report at once built a tree of several MB at the end of a 2,000-file batch, the run's peak RSS.
func printBatchReport(files: [ProcessOutcome], summary: BatchSummary) throws {
    let encoder = makeJSONEncoder()
    /// `value` pretty-printed, every line after the first indented (JSON strings carry no raw newlines).
    func nested(_ value: some Encodable, indent: String) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self).replacingOccurrences(of: "\n", with: "\n" + indent)
    }
    print("{\n  \"files\" : [")
    if files.isEmpty { print("") }
    for (index, file) in files.enumerated() {
        let text = try nested(file, indent: "    ")
        print("    " + text + (index < files.count - 1 ? "," : ""))
    }
    let totals = try nested(summary, indent: "  ")
    print("  ],\n  \"summary\" : " + totals + "\n}")
}
