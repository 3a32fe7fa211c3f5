import Foundation
public import Logging

extension VoicemailPipeline {
    /// The pipeline `pipeline.yml` describes: its ledger, its first transcription engine, its mail transport.
    public static func live(config: PipelineConfig, logger: Logger) throws(LedgerError) -> VoicemailPipeline {
        let ledger = try Ledger(path: config.ledger)
        return VoicemailPipeline(
            config: config, ledger: ledger, transcriber: makeTranscriber(config.transcription),
            transport: makeTransport(config.mail), logger: logger)
    }

    static func makeTranscriber(_ config: TranscriptionConfig) -> (any Transcriber)? {
        for engine in config.engines {
            switch engine.kind {
            case .none:
                continue
            case .openai:
                guard let url = engine.url, let model = engine.model else { continue }  // validated at load
                return OpenAITranscriber(
                    url: url, apiKey: engine.apiKey, model: model, language: engine.language, prompt: engine.prompt,
                    timeout: engine.timeout.duration, caFile: engine.caFile)
            }
        }
        return nil
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
