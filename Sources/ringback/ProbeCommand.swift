import ArgumentParser
import Foundation
import Ringback

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Show what Ringback reads from recordings: format, length, level, caller, identity, routing, readiness.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Argument(help: "Audio files to probe.")
    var files: [String]

    func run() async throws {
        // Without a configuration a file is read as a plain drop in the machine's time zone.
        let config = FileManager.default.fileExists(atPath: global.config) ? try global.loadConfig() : nil
        let owner = config?.owner ?? OwnerConfig()
        var reports: [ProbeReport] = []
        var failed = false
        for file in files {
            let url = URL(fileURLWithPath: file)
            let intake = config?.intake(containing: url) ?? IntakeConfig(path: url.deletingLastPathComponent().path)
            let reader = intake.reader(owner: owner)
            let source = intake.source(containing: url, owner: owner) ?? VoicemailSource(audio: url, intake: intake)
            let readiness = reader.readiness(of: source, now: Date())
            var report = ProbeReport(file: file, layout: intake.layout.rawValue, ready: readiness == .ready)
            if case .waiting(let why) = readiness { report.waitingFor = why }
            do throws(VoicemailProbeError) {
                let probe = try VoicemailProbe.probe(source, layout: reader)
                report.probe = probe
                report.recipients = (intake.recipients(mailbox: probe.metadata.mailbox, context: probe.metadata.context) ?? config?.mail.to ?? [])
                    .map(\.description)
                report.missedCall = probe.isMissedCall(minSeconds: intake.minSeconds)
                if !json { print(describe(probe, report: report, timeZone: owner.timezone)) }
            } catch {
                failed = true
                report.error = .init(code: error.code, reason: error.reason)
                if !json { printError("\(file): \(error.reason)") }
            }
            reports.append(report)
        }
        if json { try printJSON(reports) }
        if failed { throw ExitCode(1) }
    }

    private func describe(_ probe: VoicemailProbe, report: ProbeReport, timeZone: TimeZone) -> String {
        let audio = probe.audio
        let formatter = DateFormatter()
        formatter.timeZone = timeZone
        formatter.dateFormat = "EEE yyyy-MM-dd HH:mm:ss zzz"
        let phone = probe.caller.phone
        var lines = [
            probe.path,
            "  layout:     \(report.layout) · \(report.ready ? "ready" : "not ready: \(report.waitingFor ?? "")")",
            "  format:     \(audio.format) · \(audio.sampleRate) Hz · \(audio.channels) channel\(audio.channels == 1 ? "" : "s")",
            "  length:     \(String(format: "%.3f", Double(audio.durationMilliseconds) / 1000)) s (\(audio.frames) frames)\(report.missedCall == true ? " · a missed call (too short or silent)" : "")",
            "  level:      peak \(audio.peakDBFS.map { "\($0) dBFS" } ?? "silent"), RMS \(audio.rmsDBFS.map { "\($0) dBFS" } ?? "silent")",
            "  caller:     \(probe.caller)",
            "  number:     \(phone.kind.rawValue)\(probe.caller.number.map { " \($0)" } ?? "") (raw: \"\(probe.caller.raw)\")",
            "  received:   \(formatter.string(from: probe.receivedAt)) (from \(probe.receivedSource))",
            "  identity:   \(probe.identity.key)",
        ]
        if let mailbox = probe.metadata.mailbox {
            lines.append("  mailbox:    \(probe.metadata.context.map { "\($0)/" } ?? "")\(mailbox)\(probe.metadata.folder.map { " (\($0))" } ?? "")")
        }
        lines.append("  sends to:   \(report.recipients.joined(separator: ", "))")
        if probe.isUrgent { lines.append("  urgent:     yes") }
        if probe.formats.count > 1 { lines.append("  formats:    \(probe.formats.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")) → read \(URL(fileURLWithPath: probe.path).lastPathComponent)") }
        if let sidecar = probe.sidecarPath { lines.append("  details:    \(sidecar)") }
        for (key, value) in audio.infoStrings.sorted(by: { $0.key < $1.key }) {
            lines.append("  info.\(key): \(value)")
        }
        return lines.joined(separator: "\n")
    }
}

struct ProbeReport: Encodable {
    struct Failure: Encodable {
        var code: String
        var reason: String
    }

    var file: String
    var layout: String
    var ready: Bool
    var waitingFor: String?
    var probe: VoicemailProbe?
    var recipients: [String] = []
    var missedCall: Bool?
    var error: Failure?
}
