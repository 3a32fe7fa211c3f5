import Foundation
public import Logging

extension VoicemailPipeline {
    /// The pipeline `pipeline.yml` describes: its ledger, its first transcription engine, its mail transport.
    public static func live(config: PipelineConfig, logger: Logger) throws(LedgerError) -> VoicemailPipeline {
        let ledger = try LedgerStore.open(config, logger: logger)
        return VoicemailPipeline(
            config: config, ledger: ledger, transcription: config.transcription.makeChain(),
            transport: makeTransport(config.mail), logger: logger)
    }

    static func makeTransport(_ config: MailConfig) -> any MailTransport {
        switch config.transport {
        case .maildir(let path): MaildirTransport(root: URL(fileURLWithPath: path))
        case .smtp(let smtp): SMTPTransport(smtp)
        }
    }
}
