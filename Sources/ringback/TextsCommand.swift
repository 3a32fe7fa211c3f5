import ArgumentParser
import Foundation
import Ringback
import RingbackCore

struct TextsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "texts",
        abstract: "The texts Ringback sent callers (caller_texts), and the numbers that opted out.",
        subcommands: [List.self, Show.self, OptOut.self, OptIn.self])

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
            for text in texts {
                let when = WallClock.format(text.sentAt ?? text.updatedAt, "EEE MMM d h:mm a", in: config.owner.timezone)
                let kind = text.isToCaller ? text.kind : "owner"
                print("#\(text.voicemailID)  \(text.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(when)  \(kind) \(text.number)")
                if let body = text.body { print("    \"\(body)\"") }
                if let reason = text.reason { print("    \(reason)") }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every text for one callback: the first, a running-late update, the owner's urgent alert; each try and what came of it.")

        @OptionGroup var global: GlobalOptions

        @OptionGroup var callback: OneCallback
        var id: Int64 { callback.id }
        var json: Bool { callback.json }

        func run() async throws {
            let config = try global.loadConfig()
            let ledger = try openLedger(config)
            let record = try await findCallback(id, in: ledger)
            let texts = try await ledger.texts(voicemailID: record.foldedInto ?? id)
            if json {
                try printJSON(texts)
                return
            }
            let zone = config.owner.timezone
            func time(_ date: Date) -> String { WallClock.format(date, "EEE MMM d, h:mm:ss a", in: zone) }
            print("Callback #\(record.foldedInto ?? id) \(record.caller(owner: config.owner)), due \(time(record.dueAt))")
            if let number = record.callerNumber, try await ledger.isOptedOut(number) { print("\(number) opted out of texts.") }
            guard !texts.isEmpty else {
                print(config.callerTexts == nil ? "No texts: caller_texts is not configured." : "No texts for this callback.")
                return
            }
            for text in texts {
                let who = text.isToCaller ? "the caller" : "the owner"
                print("")
                print("\(text.kind) to \(text.number) (\(who)): \(text.state.rawValue)")
                if let body = text.body { print("  text:      \"\(body)\"") }
                if let promised = text.promisedBy { print("  promised:  \(time(promised))") }
                print("  reserved:  \(time(text.createdAt))")
                if let sent = text.sentAt { print("  sent:      \(time(sent))") }
                print("  tries:     \(text.attempts)\(text.nextAttemptAt.map { text.state == .waiting ? ", next \(time($0))" : "" } ?? "")")
                if let provider = text.provider { print("  via:       \(provider)\(text.providerID.map { " (\($0))" } ?? "")") }
                if let reason = text.reason { print("  why:       \(reason)") }
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
