import ArgumentParser
import Foundation
import Ringback

struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "The summary of unreturned calls: print it (--preview, the default), write its HTML, or --send it now.",
        discussion: "`ringback watch` sends it by itself at callbacks.digest.at on callbacks.digest.days, once per slot.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the digest without sending it (the default).")
    var preview = false

    @Option(help: "Also write the HTML part here.")
    var html: String?

    @Flag(help: "Send it now to callbacks.digest.to (or mail.to).")
    var send = false

    func run() async throws {
        let config = try global.loadConfig()
        let pipeline = try global.makePipeline(config, logger: global.makeLogger(default: .warning))
        let digest = try await pipeline.digest()
        if let html { try Data(digest.html.utf8).write(to: URL(fileURLWithPath: html)) }
        guard send else {
            print(digest.plainText)
            return
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        do throws(MailError) {
            try await pipeline.send(digest, slot: "manual " + formatter.string(from: Date()))
        } catch {
            printError("error: the digest was not sent: \(error)")
            throw ExitCode(1)
        }
        print("Digest sent to \(digest.to.map(\.address).joined(separator: ", ")): \(digest.subject)")
    }
}
