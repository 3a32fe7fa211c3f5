public import ArgumentParser
import Foundation
public import Ringback

struct CallbacksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "callbacks",
        abstract: "The callbacks Ringback is tracking.",
        subcommands: [List.self, Done.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List callbacks by deadline, soonest first.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Which callbacks: open (default), overdue or all.")
        var filter: Ledger.CallbackFilter = .open

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() async throws {
            let config = try global.loadConfig()
            let ledger = try openLedger(config)
            let now = Date()
            let records = try await ledger.callbacks(filter, now: now)
            if json {
                try printJSON(records.map { CallbackItem($0, owner: config.owner, now: now) })
                return
            }
            guard !records.isEmpty else {
                print("No \(filter == .all ? "" : "\(filter.rawValue) ")callbacks.")
                return
            }
            let formatter = DateFormatter()
            formatter.timeZone = config.owner.timezone
            formatter.dateFormat = "EEE MMM d h:mm a"
            for record in records {
                let id = "#\(record.id ?? 0)".padding(toLength: 6, withPad: " ", startingAt: 0)
                let state: String =
                    record.callbackState == .done ? "done"
                    : record.dueAt < now ? "OVERDUE" : "open"
                let due = formatter.string(from: record.dueAt)
                print("\(id) \(state.padding(toLength: 8, withPad: " ", startingAt: 0)) due \(due)  \(record.caller(owner: config.owner))")
            }
        }
    }

    struct Done: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark a callback as made.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The callback's number, as on the card and in `callbacks list`.")
        var id: Int64

        func run() async throws {
            let config = try global.loadConfig()
            let ledger = try openLedger(config)
            let result: Result<(record: VoicemailRecord, changed: Bool), LedgerError>
            do throws(LedgerError) {
                result = .success(try await ledger.closeCallback(id: id, by: "cli", at: Date()))
            } catch {
                result = .failure(error)
            }
            switch result {
            case .success(let closed):
                let caller = closed.record.caller(owner: config.owner)
                print(closed.changed ? "#\(id) \(caller): marked called back." : "#\(id) \(caller) was already closed.")
            case .failure(let error) where error.code == .notFound:
                printError("error: no callback #\(id) (see `ringback callbacks list --all`)")
                throw ExitCode(1)
            case .failure(let error):
                throw error
            }
        }
    }
}

extension Ledger.CallbackFilter: EnumerableFlag {}

struct CallbackItem: Encodable {
    var id: Int64
    var caller: String
    var callerName: String?
    var callerNumber: String?
    var receivedAt: Date
    var dueAt: Date
    var state: String
    var overdue: Bool
    var closedAt: Date?
    var closedBy: String?
    var cardState: String
    var kind: String
    var mailbox: String?

    init(_ record: VoicemailRecord, owner: OwnerConfig, now: Date) {
        id = record.id ?? 0
        caller = record.caller(owner: owner).description
        callerName = record.callerName
        callerNumber = record.callerNumber
        receivedAt = record.receivedAt
        dueAt = record.dueAt
        state = record.callbackState.rawValue
        overdue = record.callbackState == .open && record.dueAt < now
        closedAt = record.callbackClosedAt
        closedBy = record.callbackClosedBy
        cardState = record.state.rawValue
        kind = record.kind.rawValue
        mailbox = record.mailbox
    }
}
