import ArgumentParser

@main
struct RingbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ringback",
        abstract: "Turns voicemail recordings into email cards and tracks each callback until it is made.",
        version: "0.1.0",
        subcommands: [
            WatchCommand.self, ReprocessCommand.self, ProbeCommand.self, CheckCommand.self, CardCommand.self, CallbacksCommand.self, DigestCommand.self,
            OutboxCommand.self, TextsCommand.self, LedgerCommand.self,
        ]
    )
}
