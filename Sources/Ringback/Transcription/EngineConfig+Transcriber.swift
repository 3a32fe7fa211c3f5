extension EngineConfig {
    /// The engine this entry describes, or nil for `none` (and for an entry that skipped validation and lacks what
    /// its kind needs).
    public func makeTranscriber() -> (any Transcriber)? {
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
        }
    }
}
