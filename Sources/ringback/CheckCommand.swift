import ArgumentParser
import Foundation
import Ringback

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate pipeline.yml and try everything it names: folders, ledger, the mail server, every engine, call records.",
        discussion: """
            Nothing is sent and no API quota is spent: SMTP gets EHLO, STARTTLS, AUTH and NOOP; HTTP engines get a \
            connection with the TLS certificate verified; the offline whisper engine loads its model. Exits 0 when everything \
            passed, 1 when something failed, 2 when the configuration itself is wrong.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        let config = try global.loadConfig()
        let items = await SetupCheck(config: config).run()
        if json {
            try printJSON(items)
        } else {
            print("✔ config \(global.config)")
            for item in items { print("\(item.ok ? "✔" : "✘") \(item.subject): \(item.detail)") }
            let failed = items.filter { !$0.ok }.count
            print(failed == 0 ? "Everything checked out." : "\(failed) problem\(failed == 1 ? "" : "s") to fix.")
        }
        if items.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }
}
