import ArgumentParser
import Foundation
import Ringback

struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "The ledger itself: move a machine's SQLite ledger to the PostgreSQL ledger several machines share.",
        subcommands: [Migrate.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the SQLite ledger `ledger:` names into an empty PostgreSQL database, and count both sides.",
            discussion: """
                Stop `ringback watch` first. Everything but the claims is copied in one transaction, ids kept (card numbers \
                and links go on working); the PBX's message ids are put within this machine's site, as a node of the shared \
                ledger reads them. Then set `ledger:` (and `site:`) in pipeline.yml and start watch again.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "The PostgreSQL ledger: postgres://user@host:5432/ringback (the password from PGPASSWORD).")
        var to: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() async throws {
            let config = try global.loadConfig()
            guard !PostgresLocation.isURL(config.ledger) else {
                printError("error: \(global.config): ledger: already names a database server; migrate reads a SQLite ledger")
                throw ExitCode(2)
            }
            guard FileManager.default.fileExists(atPath: config.ledger) else {
                printError("error: \(config.ledger): no SQLite ledger there: nothing to migrate")
                throw ExitCode(2)
            }
            let location: PostgresLocation
            do {
                location = try PostgresLocation(url: to)
            } catch {
                printError("error: --to \(error)")
                throw ExitCode(2)
            }
            let site = config.site ?? ProcessInfo.processInfo.hostName.replacingOccurrences(of: "/", with: "-")
            let counts: [LedgerCopy.Count]
            do throws(LedgerError) {
                let source = try SQLiteLedger(path: config.ledger)
                let target = try PostgresLedger(location: location)
                counts = try await LedgerCopy.copy(
                    from: source, to: target, site: site, pushFolder: config.web?.push?.folder,
                    progress: { table, rows in
                        if !json, rows % 5000 == 0, rows > 0 { printError("\(table): \(rows) rows…") }
                    })
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
            if json {
                struct Report: Encodable {
                    var to: String
                    var site: String
                    var tables: [LedgerCopy.Count]
                }
                try printJSON(Report(to: location.shown, site: site, tables: counts))
                return
            }
            for count in counts { print("\(count.table.padding(toLength: 22, withPad: " ", startingAt: 0)) \(count.copied) of \(count.source)") }
            print("Copied into \(location.shown), every table's count checked. Now set in \(global.config):")
            print("  site: \(site)")
            print("  ledger: \"\(location.shown)\"")
            print("and start ringback watch again (the password from PGPASSWORD in its environment).")
        }
    }
}
