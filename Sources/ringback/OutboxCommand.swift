public import ArgumentParser
import Foundation
public import Ringback
import RingbackCore

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "What Ringback owes: cards and replies not yet delivered (or refused for good), and webhook events (`outbox webhooks`).",
        subcommands: [List.self, Webhooks.self, Retry.self],
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

    struct Webhooks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Webhook events (`webhooks:`), newest first: each endpoint's delivery, its tries and the last failure.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Which deliveries: unsent (default: queued or failed), failed or all.")
        var filter: OutboxFilter = .unsent

        @Option(help: "How many.")
        var limit = 100

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() async throws {
            let config = try global.loadConfig()
            let deliveries = try await openLedger(config).webhookDeliveries(filter, limit: limit)
            if json {
                try printJSON(deliveries)
                return
            }
            guard !deliveries.isEmpty else {
                print(
                    config.webhooks.isEmpty && filter == .all
                        ? "No webhook events: webhooks is not configured."
                        : filter == .all ? "No webhook events yet." : "No \(filter.rawValue) webhook events: every one was delivered.")
                return
            }
            for delivery in deliveries {
                let id = "\(delivery.id ?? 0)".padding(toLength: 5, withPad: " ", startingAt: 0)
                let state = delivery.state.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                let when = WallClock.format(delivery.occurredAt, "EEE MMM d h:mm a", in: config.owner.timezone)
                let tries = "\(delivery.attempts) tr\(delivery.attempts == 1 ? "y" : "ies")"
                let next =
                    delivery.state == .queued
                    ? delivery.nextAttemptAt.map { ", next \(WallClock.format($0, "h:mm:ss a", in: config.owner.timezone))" } ?? "" : ""
                print("\(id) \(state) #\(delivery.voicemailID) \(delivery.type) (\(when)) \(delivery.eventID) to \(delivery.endpoint), \(tries)\(next)")
                if let error = delivery.lastError { print("      \(error)") }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a message the server refused for good again, once its cause is fixed.",
            discussion: "`ringback watch` sends it within its retry interval; `ringback reprocess` of the recording sends it at once.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The outbox message's number, from `ringback outbox list` (or `outbox webhooks` with --webhook).")
        var id: Int64

        @Flag(help: "ID is a webhook delivery's, from `ringback outbox webhooks`: tried again from its first try.")
        var webhook = false

        func run() async throws {
            let config = try global.loadConfig()
            let ledger = try openLedger(config)
            do throws(LedgerError) {
                if webhook {
                    let delivery = try await ledger.retryWebhook(id: id, at: Date())
                    print("\(id): \(delivery.type) \(delivery.eventID) queued again for \(delivery.endpoint).")
                    return
                }
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
