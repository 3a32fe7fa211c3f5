import ArgumentParser
import Foundation
import Ringback
import RingbackCore

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Show what Ringback reads from recordings: format, length, level, caller, identity, routing, readiness.",
        discussion: """
            --transcribe runs each file through the configured engines (transcription.engines, in order, with their \
            retries) and prints every request and the transcript; without a pipeline.yml it uses the offline whisper engine. \
            Nothing is written to the ledger and no card is sent.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Flag(help: "Also run the transcription chain on each file and print every attempt and the transcript.")
    var transcribe = false

    @Argument(help: "Audio files to probe.")
    var files: [String]

    func run() async throws {
        // Without a configuration a file is read as a plain drop in the machine's time zone.
        let config = FileManager.default.fileExists(atPath: global.config) ? try global.loadConfig() : nil
        let owner = config?.owner ?? OwnerConfig()
        var reports: [ProbeReport] = []
        var failed = false
        let chain = transcribe ? (config?.transcription ?? TranscriptionConfig(engines: [EngineConfig(kind: .whisper)])).makeChain() : nil
        if transcribe, chain == nil {
            printError("--transcribe: no transcription engine is configured (transcription.engines in \(global.config))")
            throw ExitCode(2)
        }
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
                if let chain {
                    let run = await TranscriptionRun.run(chain, on: probe)
                    report.transcription = run
                    failed = failed || run.transcript == nil
                    if !json { print(run.lines(minConfidence: config?.transcription.minConfidence ?? TranscriptionConfig.defaultMinConfidence)) }
                }
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
            "  damage:     \(audio.damage ?? "none")",
            "  level:      peak \(audio.peakDBFS.map { "\($0) dBFS" } ?? "silent"), RMS \(audio.rmsDBFS.map { "\($0) dBFS" } ?? "silent")",
            "  caller:     \(probe.caller)",
            "  number:     \(phone.kind.rawValue)\(probe.caller.number.map { " \($0)" } ?? "") (as the PBX gave it: \(probe.caller.raw))",
            "  received:   \(formatter.string(from: probe.receivedAt)) (from \(probe.receivedSource))",
            "  identity:   \(probe.identity.key)",
        ]
        if let mailbox = probe.metadata.mailbox {
            lines.append("  mailbox:    \(probe.metadata.context.map { "\($0)/" } ?? "")\(mailbox)\(probe.metadata.folder.map { " (\($0))" } ?? "")")
        }
        lines.append("  sends to:   \(report.recipients.joined(separator: ", "))")
        if probe.isUrgent { lines.append("  urgent:     yes") }
        if probe.formats.count > 1 {
            lines.append(
                "  formats:    \(probe.formats.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")) → read \(URL(fileURLWithPath: probe.path).lastPathComponent)"
            )
        }
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
    var transcription: TranscriptionRun?
}

/// One file through the transcription chain: every request in order, then the transcript or why there is none.
struct TranscriptionRun: Encodable {
    struct Attempt: Encodable {
        var engine: String
        var part: String?
        var ok: Bool
        var seconds: Double
        var httpStatus: Int?
        var error: String?
    }

    struct Failure: Encodable {
        var code: String
        /// What the card would say.
        var reason: String
        var detail: String
    }

    var engines: String
    var attempts: [Attempt]
    var transcript: Transcript?
    var error: Failure?

    static func run(_ chain: TranscriptionChain, on probe: VoicemailProbe) async -> TranscriptionRun {
        let log = AttemptLog()
        var result = TranscriptionRun(engines: chain.name, attempts: [])
        do throws(TranscriptionError) {
            result.transcript = try await chain.transcribe(URL(fileURLWithPath: probe.path), probe: probe.audio) { await log.add($0) }
        } catch {
            result.error = Failure(code: error.code.rawValue, reason: error.plainReason, detail: error.description)
        }
        result.attempts = await log.attempts
        return result
    }

    func lines(minConfidence: Double) -> String {
        var lines = ["  engines:    \(engines)"]
        for attempt in attempts {
            let part = attempt.part.map { " part \($0)" } ?? ""
            let outcome = attempt.ok ? "ok" : "failed\(attempt.httpStatus.map { " \($0)" } ?? "")"
            lines.append(
                "  attempt:    \(attempt.engine)\(part) · \(outcome) in \(String(format: "%.2f", attempt.seconds)) s\(attempt.error.map { ": \($0)" } ?? "")")
        }
        if let transcript {
            var label = [transcript.isOfflineDraft ? "offline draft" : "machine transcript"]
            if let confidence = transcript.confidence {
                label.append("\(Int((confidence * 100).rounded()))% confidence" + (confidence < minConfidence ? ", below min_confidence: a guess" : ""))
            }
            if let language = transcript.language { label.append("language \(language)") }
            let text = transcript.text.isEmpty ? "(no speech heard)" : "\"\(transcript.text)\""
            lines.append("  transcript: [\(label.joined(separator: ", "))] \(text)")
        } else if let error {
            lines.append("  transcript: none — \(error.reason)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Collects the chain's attempts as they happen.
private actor AttemptLog {
    var attempts: [TranscriptionRun.Attempt] = []

    func add(_ attempt: TranscriptionChain.Attempt) {
        attempts.append(
            .init(
                engine: attempt.engine, part: attempt.part, ok: attempt.error == nil,
                seconds: Double(attempt.duration.components.seconds) + Double(attempt.duration.components.attoseconds) / 1e18,
                httpStatus: attempt.error?.status, error: attempt.error?.description))
    }
}
