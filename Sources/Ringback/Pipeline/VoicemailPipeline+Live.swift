import Foundation
public import Logging

extension VoicemailPipeline {
    /// The pipeline `pipeline.yml` describes: its ledger, its first transcription engine, its mail transport.
    public static func live(config: PipelineConfig, logger: Logger) throws(LedgerError) -> VoicemailPipeline {
        let ledger = try Ledger(path: config.ledger)
        return VoicemailPipeline(
            config: config, ledger: ledger, transcription: makeTranscription(config.transcription),
            transport: makeTransport(config.mail), logger: logger)
    }

    /// Every configured engine in order, under the configured retry policy; nil when all are `none`.
    static func makeTranscription(_ config: TranscriptionConfig) -> TranscriptionChain? {
        let engines = config.engines.compactMap { $0.makeTranscriber() }
        guard !engines.isEmpty else { return nil }
        return TranscriptionChain(engines: engines, retry: RetryPolicy(attempts: config.retry.attempts, backoff: config.retry.backoff.duration))
    }

    static func makeTransport(_ config: MailConfig) -> any MailTransport {
        switch config.transport {
        case .maildir:
            return MaildirTransport(root: URL(fileURLWithPath: config.maildir))
        case .smtp:
            guard let smtp = config.smtp else { return MaildirTransport(root: URL(fileURLWithPath: config.maildir)) }
            return SMTPTransport(smtp)
        }
    }
}
