import ArgumentParser
import Foundation
import Ringback

struct CardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "Look at cards without sending them.",
        subcommands: [Preview.self])

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render the card a recording would get: subject and text on standard output, HTML or the whole message to files.",
            discussion: "Nothing is stored in the ledger and nothing is sent. Without --transcribe the engines are not asked.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Run the configured transcription engines, as the real card would.")
        var transcribe = false

        @Option(help: "Write the HTML part here (open it in a browser).")
        var html: String?

        @Option(help: "Write the whole message, attachments included, here (open it in a mail program).")
        var eml: String?

        @Argument(help: "The recording.")
        var file: String

        func run() async throws {
            let config = try global.loadConfig()
            let pipeline = try global.makePipeline(config, logger: global.makeLogger(default: .warning))
            let url = URL(fileURLWithPath: file)
            let intake = config.intake(containing: url)
            let source = intake.source(containing: url, owner: config.owner) ?? VoicemailSource(audio: url, intake: intake)
            let message =
                eml.map { URL(fileURLWithPath: $0) }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("ringback-preview-\(UUID().uuidString).eml")
            defer { if eml == nil { try? FileManager.default.removeItem(at: message) } }
            let card: MessageCard
            do throws(CardPreviewError) {
                card = try await pipeline.preview(source, transcribe: transcribe, writingTo: message)
            } catch {
                printError("\(file): \(error)")
                throw ExitCode(1)
            }
            let parts = CardWriter.parts(card, now: Date(), templates: config.mail.templates)
            if let html {
                try Data(parts.html.utf8).write(to: URL(fileURLWithPath: html))
            }
            print("Subject: \(parts.subject)")
            print("To: \(card.to.map(\.description).joined(separator: ", "))")
            if let attachment = card.attachment { print("Attachment: \(attachment.filename) (\(attachment.mimeType))") }
            print("")
            print(parts.text)
        }
    }
}
