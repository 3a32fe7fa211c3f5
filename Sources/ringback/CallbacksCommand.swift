public import ArgumentParser
import Foundation
public import Ringback
import RingbackCore

struct CallbacksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "callbacks",
        abstract: "The callbacks Ringback is tracking.",
        subcommands: [List.self, Show.self, Done.self, Tried.self, Snooze.self, NoCallback.self, Reopen.self, Sync.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List callbacks by deadline, soonest first.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Which callbacks: open (default), overdue or all.")
        var filter: CallbackFilter = .open

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
                let state = record.callbackState(at: now)
                let label = state == .open && record.dueAt < now ? "OVERDUE" : state.rawValue
                var line =
                    "\(id) \(label.padding(toLength: 18, withPad: " ", startingAt: 0)) due \(formatter.string(from: record.dueAt))  \(record.caller(owner: config.owner))"
                if state == .snoozed, let until = record.callbackSnoozedUntil { line += "  (snoozed until \(formatter.string(from: until)))" }
                if record.callbackTries > 0 { line += "  (tried \(record.callbackTries)×)" }
                if let ending = record.missedEnding {
                    line += "  (missed call: \(ending.rawValue.replacingOccurrences(of: "_", with: " ")), \(record.ringSeconds ?? 0) s)"
                }
                if let spam = record.spamReason { line += "  (spam: \(spam))" }
                print(line)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One callback and its history.")

        @OptionGroup var global: GlobalOptions

        @OptionGroup var callback: OneCallback
        var id: Int64 { callback.id }
        var json: Bool { callback.json }

        func run() async throws {
            let config = try global.loadConfig()
            let ledger = try openLedger(config)
            let record = try await findCallback(id, in: ledger)
            let events = try await ledger.callbackEvents(id: id)
            let now = Date()
            if json {
                try printJSON(CallbackDetail(callback: CallbackItem(record, owner: config.owner, now: now), events: events))
                return
            }
            let formatter = DateFormatter()
            formatter.timeZone = config.owner.timezone
            formatter.dateFormat = "EEE MMM d h:mm a"
            let item = CallbackItem(record, owner: config.owner, now: now)
            print("#\(id) \(item.caller)")
            print("  state:     \(item.overdue ? "OVERDUE" : item.state)\(record.callbackSnoozedUntil.map { " until \(formatter.string(from: $0))" } ?? "")")
            print("  received:  \(formatter.string(from: record.receivedAt)) (\(record.kind.rawValue)\(record.isUrgent ? ", urgent" : ""))")
            print("  due:       \(formatter.string(from: record.dueAt))")
            if let ending = record.missedEnding {
                print("  missed:    \(ending.rawValue.replacingOccurrences(of: "_", with: " ")), waited \(record.ringSeconds ?? 0) s (call records)")
            }
            if let spam = record.spamReason { print("  spam:      \(spam)") }
            if let transcript = record.transcript, !transcript.isEmpty {
                print("  said:      \"\(transcript)\"\(record.transcriptIsDraft ? " (offline draft)" : "")")
            }
            for event in events {
                var line = "  \(formatter.string(from: event.at))  \(event.action.rawValue) by \(event.actor.rawValue)"
                if let until = event.until { line += " until \(formatter.string(from: until))" }
                if let note = event.note { line += ": \(note)" }
                print(line)
            }
        }
    }

    struct Done: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark a callback as made: it is closed.")
        @OptionGroup var change: ChangeOptions
        func run() async throws { try await change.apply(.done, past: "marked called back") }
    }

    struct Tried: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a call nobody answered; the callback stays open.")
        @OptionGroup var change: ChangeOptions
        func run() async throws { try await change.apply(.tried, past: "try recorded, still open") }
    }

    struct Snooze: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a callback off: --for 2h, or --until \"2026-11-25 09:00\" or \"09:00\" (the next one), in the owner's time zone.")
        @OptionGroup var change: ChangeOptions

        @Option(name: .customLong("for"), help: "How long: 30m, 2h, 1h30m.")
        var duration: String?

        @Option(help: "Until when: \"YYYY-MM-DD HH:MM\" or \"HH:MM\".")
        var until: String?

        func run() async throws {
            let config = try change.global.loadConfig()
            let now = Date()
            let time: Date
            if let duration, until == nil, let parsed = ConfigDuration(parsing: duration) {
                time = now.addingTimeInterval(parsed.seconds)
            } else if let until, duration == nil, let parsed = SnoozeTime.parse(until, now: now, timeZone: config.owner.timezone) {
                time = parsed
            } else {
                printError("error: give one of --for 2h or --until \"2026-11-25 09:00\" / \"09:00\"")
                throw ExitCode(2)
            }
            let formatter = DateFormatter()
            formatter.timeZone = config.owner.timezone
            formatter.dateFormat = "EEE MMM d h:mm a"
            try await change.apply(.snooze(until: time), past: "snoozed until \(formatter.string(from: time))")
        }
    }

    struct NoCallback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "no-callback", abstract: "Close a callback that needs no call (wrong number, a sales pitch).")
        @OptionGroup var change: ChangeOptions
        func run() async throws { try await change.apply(.noCallbackNeeded, past: "closed, no callback needed") }
    }

    struct Reopen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open a closed or snoozed callback again.")
        @OptionGroup var change: ChangeOptions
        func run() async throws { try await change.apply(.reopen, past: "reopened") }
    }
}

extension CallbacksCommand {
    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the call records (callbacks.cdr) once: missed calls open callbacks, answered calls close them.",
            discussion: "`ringback watch` does this by itself every callbacks.cdr.poll; this is for cron or a first look.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let config = try global.loadConfig()
            guard let cdr = config.callbacks.cdr else {
                printError("error: callbacks.cdr is not configured in \(global.config)")
                throw ExitCode(2)
            }
            let logger = global.makeLogger(default: .warning)
            let pipeline = try global.makePipeline(config, logger: logger)
            let records: CallRecordSync
            do throws(CallRecordFormatError) {
                records = try CallRecordSync(config: cdr, pipeline: config, ledger: pipeline.ledger, logger: logger)
            } catch {
                printError("error: callbacks.cdr.columns needs a \(error.missing) column")
                throw ExitCode(2)
            }
            let changes = try await records.sync()
            let cards = await pipeline.sendOwedCards()
            await pipeline.sendWebhooks()
            let closed = changes.outcomes.filter { $0.action == .done }.map { "#\($0.voicemailID)" }
            let tried = changes.outcomes.filter { $0.action == .tried }.map { "#\($0.voicemailID)" }
            let opened = changes.missedCalls.filter { $0.foldedInto == nil && $0.spamReason == nil }.map { "#\($0.id ?? 0)" }
            let joined = changes.missedCalls.filter { $0.foldedInto != nil }.count
            let spam = changes.missedCalls.filter { $0.spamReason != nil }.count
            let sent = cards.filter { $0.status == .notified }.count
            print(
                "\(closed.count) callback\(closed.count == 1 ? "" : "s") closed\(closed.isEmpty ? "" : " (\(closed.joined(separator: ", ")))"), \(tried.count) tr\(tried.count == 1 ? "y" : "ies") recorded\(tried.isEmpty ? "" : " (\(tried.joined(separator: ", ")))")."
            )
            print(
                "\(opened.count) missed call\(opened.count == 1 ? "" : "s") opened\(opened.isEmpty ? "" : " (\(opened.joined(separator: ", ")))"), \(joined) joined an open callback, \(spam) judged spam; \(sent) missed-call card\(sent == 1 ? "" : "s") sent."
            )
            if changes.tooOld > 0 {
                print("\(changes.tooOld) missed call\(changes.tooOld == 1 ? "" : "s") older than callbacks.cdr.open_within opened no callback.")
            }
            for card in cards where card.status == .pending || card.status == .failed { printError("#\(card.voicemailID ?? 0): \(card.detail)") }
        }
    }
}

/// What every callback change takes: the callback and an optional note.
struct ChangeOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions

    @Argument(help: "The callback's number, as on the card and in `callbacks list`.")
    var id: Int64

    @Option(help: "A note kept with the change (\"left a message\").")
    var note: String?

    func apply(_ change: CallbackChange, past: String) async throws {
        let config = try global.loadConfig()
        let ledger = try openLedger(config)
        let result: (record: VoicemailRecord, changed: Bool)
        do throws(LedgerError) {
            result = try await ledger.changeCallback(id: id, change, by: .cli, at: Date(), note: note)
        } catch {
            switch error.code {
            case .notFound: printError("error: no callback #\(id) (see `ringback callbacks list --all`)")
            case .conflict: printError("error: \(error.message)")
            case .open, .query, .full, .replaced: printError("error: \(error)")
            }
            throw ExitCode(error.code == .notFound || error.code == .conflict ? 1 : 2)
        }
        let caller = result.record.caller(owner: config.owner)
        print(result.changed ? "#\(id) \(caller): \(past)." : "#\(id) \(caller) is already \(result.record.callbackState.rawValue): nothing changed.")
    }
}

/// `--until` for snooze.
enum SnoozeTime {
    /// `2026-11-25 09:00`, or `09:00` meaning the next 09:00 after `now`, in `timeZone`.
    static func parse(_ text: String, now: Date, timeZone: TimeZone) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        if let date = formatter.date(from: text) { return date }
        formatter.dateFormat = "HH:mm"
        guard let time = formatter.date(from: text) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: time)
        return calendar.nextDate(after: now, matching: parts, matchingPolicy: .nextTime)
    }
}

struct CallbackDetail: Encodable {
    var callback: CallbackItem
    var events: [CallbackEventRecord]
}

extension CallbackFilter: EnumerableFlag {}

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
    var snoozedUntil: Date?
    var tries: Int
    var cardState: String
    var kind: String
    var mailbox: String?
    /// A missed call from the call records: how it ended (`no_answer`, `busy`, `queue`, `greeting`, …) and how long
    /// the caller waited.
    var missed: String?
    var waitedSeconds: Int?
    /// Why it was judged spam (closed without a card).
    var spam: String?

    init(_ record: VoicemailRecord, owner: OwnerConfig, now: Date) {
        id = record.id ?? 0
        caller = record.caller(owner: owner).description
        callerName = record.callerName
        callerNumber = record.callerNumber
        receivedAt = record.receivedAt
        dueAt = record.dueAt
        state = record.callbackState(at: now).rawValue
        overdue = record.callbackState(at: now) == .open && record.dueAt < now
        snoozedUntil = record.callbackSnoozedUntil
        tries = record.callbackTries
        closedAt = record.callbackClosedAt
        closedBy = record.callbackClosedBy
        cardState = record.state.rawValue
        kind = record.kind.rawValue
        mailbox = record.mailbox
        missed = record.missedEnding?.rawValue
        waitedSeconds = record.ringSeconds
        spam = record.spamReason
    }
}
