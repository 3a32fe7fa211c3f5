public import Foundation
public import Logging

extension VoicemailPipeline {
    /// One engine, tried once: for tests and callers that bring their own transcriber.
    public init(
        config: PipelineConfig, ledger: any Ledger, transcriber: (any Transcriber)?, transport: any MailTransport,
        logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.init(
            config: config, ledger: ledger, transcription: transcriber.map { TranscriptionChain(engines: [$0], retry: .once) },
            transport: transport, logger: logger, now: now)
    }
}
