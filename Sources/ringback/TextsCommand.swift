import ArgumentParser
import Foundation
import Ringback
import RingbackCore

struct TextsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "texts",
        abstract: "The texts Ringback sent callers (caller_texts), and the numbers that opted out.",
        subcommands: [List.self, OptOut.self, OptIn.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Texts to callers, newest first: what each said, or why it was not sent.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "How many.")
        var limit = 50

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() async throws {
            let config = try global.loadConfig()
            let ledger = try openLedger(config)
            let texts = try await ledger.texts(limit: limit)
            if json {
                try printJSON(texts)
                return
            }
            guard !texts.isEmpty else {
                print("No texts.")
                return
            }
            let formatter = DateFormatter()
            formatter.timeZone = config.owner.timezone
            formatter.dateFormat = "EEE MMM d h:mm a"
            for text in texts {
                let when = formatter.string(from: text.sentAt ?? text.updatedAt)
                print("#\(text.voicemailID)  \(text.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(when)  \(text.number)")
                if let body = text.body { print("    \"\(body)\"") }
                if let reason = text.reason { print("    \(reason)") }
            }
        }
    }

    struct OptOut: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "optout", abstract: "Never text this number again (a caller who asked by phone, or texted STOP elsewhere).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The number, as callers dial it or in E.164 (+15551230000).")
        var number: String

        func run() async throws {
            let config = try global.loadConfig()
            let e164 = try Self.e164(number, config: config)
            try await openLedger(config).optOut(e164, source: "cli", at: Date())
            print("\(e164) will get no more texts.")
        }

        static func e164(_ text: String, config: PipelineConfig) throws -> String {
            guard let number = PhoneNumber(parsing: text, country: config.owner.country, dialPrefixes: config.owner.dialPrefixes).e164 else {
                printError("error: \(text) is not a phone number Ringback can read (try E.164, like +15551230000)")
                throw ExitCode(2)
            }
            return number
        }
    }

    struct OptIn: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "optin", abstract: "Allow texts to a number that opted out (only when the caller asked for them again).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The number, as callers dial it or in E.164.")
        var number: String

        func run() async throws {
            let config = try global.loadConfig()
            let e164 = try OptOut.e164(number, config: config)
            let removed = try await openLedger(config).optIn(e164)
            print(removed ? "\(e164) may be texted again." : "\(e164) had not opted out.")
        }
    }
}
