public import ArgumentParser
import Foundation
public import Logging
import Ringback

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The pipeline configuration.")
    var config: String = "./pipeline.yml"

    @Option(name: .long, help: "Log level on standard error: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level?

    /// Loads and validates the configuration; on failure prints the key and reason and exits 2.
    func loadConfig() throws -> PipelineConfig {
        do {
            return try PipelineConfig.load(from: URL(fileURLWithPath: config))
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }

    /// The pipeline the configuration describes; a ledger that cannot be opened exits 2 with the reason.
    func makePipeline(_ config: PipelineConfig, logger: Logger) throws -> VoicemailPipeline {
        do {
            return try VoicemailPipeline.live(config: config, logger: logger)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }

    /// Loads the engines' models before any voicemail; one that cannot be loaded exits 2 naming the file.
    func prepareEngines(_ pipeline: VoicemailPipeline) async throws {
        do throws(TranscriptionError) {
            try await pipeline.transcription?.prepare()
        } catch {
            printError("error: \(error.message)")
            throw ExitCode(2)
        }
    }

    /// Bootstraps logging once per process (only `main` does this; libraries receive the logger).
    func makeLogger(default level: Logger.Level) -> Logger {
        let chosen = logLevel ?? level
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = chosen
            return EscapingLogHandler(wrapped: handler)
        }
        return Logger(label: "ringback")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// The ledger the configuration names; one that cannot be opened exits 2 with the reason.
func openLedger(_ config: PipelineConfig) throws -> any Ledger {
    do {
        return try LedgerStore.open(config)
    } catch {
        printError("error: \(error)")
        throw ExitCode(2)
    }
}

/// `ID [--json]`: one callback, by the number on its card.
struct OneCallback: ParsableArguments {
    @Argument(help: "The callback's number, as on the card and in `ringback callbacks list`.")
    var id: Int64

    @Flag(help: "Print JSON instead of text.")
    var json = false
}

/// Callback #`id`, or exit 1 saying there is none.
func findCallback(_ id: Int64, in ledger: any Ledger) async throws -> VoicemailRecord {
    guard let record = try await ledger.voicemail(id: id) else {
        printError("error: no callback #\(id) (see `ringback callbacks list --all`)")
        throw ExitCode(1)
    }
    return record
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Pretty, stable JSON for `--json` output.
func makeJSONEncoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return encoder
}

/// Prints `value` as pretty, stable JSON.
func printJSON(_ value: some Encodable) throws {
    let data = try makeJSONEncoder().encode(value)
    print(String(decoding: data, as: UTF8.self))
}
