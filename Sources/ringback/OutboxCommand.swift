public import ArgumentParser
import Foundation
public import Ringback

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Mail Ringback owes: cards and replies not yet delivered, and those the server refused for good.",
        subcommands: [List.self, Retry.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List outbox messages, newest first.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Which messages: unsent (default: queued or failed), failed or all.")
        var filter: OutboxFilter = .unsent

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() async throws {
            let config = try global.loadConfig()
            let entries = try await openLedger(config).outbox(filter)
            if json {
                try printJSON(entries)
                return
            }
            guard !entries.isEmpty else {
                print(filter == .all ? "The outbox is empty." : "No \(filter.rawValue) messages: everything was delivered.")
                return
            }
            for entry in entries {
                let id = "\(entry.id ?? 0)".padding(toLength: 5, withPad: " ", startingAt: 0)
                let state = entry.state.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                print(
                    "\(id) \(state) #\(entry.voicemailID) \(entry.purpose.rawValue) to \(entry.recipients), \(entry.attempts) tr\(entry.attempts == 1 ? "y" : "ies")"
                )
                if let error = entry.lastError { print("      \(error)") }
                if let refused = entry.refused { print("      refused by: \(refused)") }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a message the server refused for good again, once its cause is fixed.",
            discussion: "`ringback watch` sends it within its retry interval; `ringback reprocess` of the recording sends it at once.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The outbox message's number, from `ringback outbox list`.")
        var id: Int64

        func run() async throws {
            let config = try global.loadConfig()
            let ledger = try openLedger(config)
            do throws(LedgerError) {
                let entry = try await ledger.retryOutbox(id: id, at: Date())
                print("\(id): \(entry.purpose.rawValue) for #\(entry.voicemailID) queued again.")
            } catch {
                printError("error: \(error.message)")
                throw ExitCode(error.code == .notFound || error.code == .conflict ? 1 : 2)
            }
        }
    }
}

extension OutboxFilter: EnumerableFlag {}
