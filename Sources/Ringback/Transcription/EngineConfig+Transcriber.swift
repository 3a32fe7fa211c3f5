import Foundation
import RingbackWhisper

extension TranscriptionConfig {
    /// Every configured engine in order, under the configured retry policy; nil when all are `none`.
    public func makeChain() -> TranscriptionChain? {
        let engines = engines.compactMap { $0.makeTranscriber() }
        guard !engines.isEmpty else { return nil }
        return TranscriptionChain(engines: engines, retry: RetryPolicy(attempts: retry.attempts, backoff: retry.backoff.duration))
    }
}

extension EngineConfig {
    /// The engine this entry describes, or nil for `none` (and for an entry that skipped validation and lacks what
    /// its kind needs).
    public func makeTranscriber() -> (any Transcriber)? {
        guard let engine = makeEngine() else { return nil }
        if kind == .whisper {  // one decode at a time on `threads` cores; its one-minute parts are its own limit
            return maxSeconds == nil ? engine : LimitedTranscriber(engine, maxSeconds: maxSeconds?.seconds)
        }
        guard maxConcurrent != nil || maxSeconds != nil || maxBytes != nil else { return engine }
        return LimitedTranscriber(engine, maxConcurrent: maxConcurrent, maxSeconds: maxSeconds?.seconds, maxBytes: maxBytes)
    }

    private func makeEngine() -> (any Transcriber)? {
        switch kind {
        case .none:
            return nil
        case .openai:
            guard let url, let model else { return nil }  // validated at load
            return OpenAITranscriber(
                url: url, apiKey: apiKey, model: model, language: language, prompt: prompt, timeout: timeout.duration, caFile: caFile)
        case .whisperCpp:
            guard let url else { return nil }
            return WhisperCppTranscriber(url: url, model: model, language: language, prompt: prompt, timeout: timeout.duration, caFile: caFile)
        case .whisperASR:
            guard let url else { return nil }
            return WhisperASRTranscriber(url: url, language: language, prompt: prompt, timeout: timeout.duration, caFile: caFile)
        case .deepgram:
            guard let apiKey, !apiKey.isEmpty else { return nil }
            return DeepgramTranscriber(url: url, apiKey: apiKey, model: model, language: language, timeout: timeout.duration, caFile: caFile)
        case .assemblyai:
            guard let apiKey, !apiKey.isEmpty else { return nil }
            return AssemblyAITranscriber(
                url: url, apiKey: apiKey, speechModel: model, language: language, timeout: timeout.duration, caFile: caFile)
        case .whisper:
            let language = language.flatMap { $0 == "auto" ? $0 : $0.split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map { $0.lowercased() } }
            return WhisperTranscriber(
                modelPath: model ?? WhisperModelSearch.defaultPath(configFolder: nil),
                options: WhisperOptions(
                    language: language ?? "auto", prompt: prompt, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                    beamSize: beamSize ?? 1))
        }
    }
}
