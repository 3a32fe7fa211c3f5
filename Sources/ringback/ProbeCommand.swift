import ArgumentParser
import Foundation
import Ringback

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Show what Ringback reads from recordings: format, length, level, caller and identity.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Argument(help: "Audio files to probe.")
    var files: [String]

    func run() async throws {
        // The configuration only supplies the owner's time zone here; probing works without one.
        let timeZone = FileManager.default.fileExists(atPath: global.config) ? try global.loadConfig().owner.timezone : TimeZone.current
        var reports: [ProbeReport] = []
        var failed = false
        for file in files {
            do throws(VoicemailProbeError) {
                let probe = try VoicemailProbe.probe(URL(fileURLWithPath: file))
                reports.append(ProbeReport(file: file, probe: probe, error: nil))
                if !json { print(describe(probe, timeZone: timeZone)) }
            } catch {
                failed = true
                reports.append(ProbeReport(file: file, probe: nil, error: .init(code: error.code, reason: error.reason)))
                if !json { printError("\(file): \(error.reason)") }
            }
        }
        if json { try printJSON(reports) }
        if failed { throw ExitCode(1) }
    }

    private func describe(_ probe: VoicemailProbe, timeZone: TimeZone) -> String {
        let audio = probe.audio
        let formatter = DateFormatter()
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss zzz"
        var lines = [
            probe.path,
            "  format:     \(audio.format) · \(audio.sampleRate) Hz · \(audio.channels) channel\(audio.channels == 1 ? "" : "s")",
            "  length:     \(String(format: "%.3f", Double(audio.durationMilliseconds) / 1000)) s (\(audio.frames) frames)",
            "  level:      peak \(audio.peakDBFS.map { "\($0) dBFS" } ?? "silent"), RMS \(audio.rmsDBFS.map { "\($0) dBFS" } ?? "silent")",
            "  caller:     \(probe.caller)\(probe.caller.raw.isEmpty ? "" : " (raw: \(probe.caller.raw))")",
            "  received:   \(formatter.string(from: probe.receivedAt)) (from \(probe.receivedSource))",
            "  identity:   \(probe.identity.key)",
        ]
        if probe.isUrgent { lines.append("  urgent:     yes") }
        if let sidecar = probe.sidecarPath { lines.append("  sidecar:    \(sidecar)") }
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
    var probe: VoicemailProbe?
    var error: Failure?
}
