/// Where audio is transcribed: engines tried in order.
public struct TranscriptionConfig: Sendable, Decodable {
    public var engines: [EngineConfig]
    public var retry: Retry

    /// `retry: { attempts: 4, backoff: 2s }`: tries per engine for transient failures, and the first delay (doubling).
    public struct Retry: Sendable, Decodable {
        public var attempts: Int
        public var backoff: ConfigDuration

        public init(attempts: Int = 4, backoff: ConfigDuration = .init(.seconds(2))) {
            self.attempts = attempts
            self.backoff = backoff
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case attempts, backoff }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            attempts = try container.decodeIfPresent(Int.self, forKey: .attempts) ?? 4
            guard (1...20).contains(attempts) else { throw container.invalid(.attempts, "must be between 1 and 20") }
            backoff = try container.decodeIfPresent(ConfigDuration.self, forKey: .backoff) ?? .init(.seconds(2))
        }
    }

    public init(engines: [EngineConfig] = [EngineConfig(kind: .none)], retry: Retry = .init()) {
        self.engines = engines
        self.retry = retry
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case engines, retry }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        engines = try container.decodeIfPresent([EngineConfig].self, forKey: .engines) ?? [EngineConfig(kind: .none)]
        retry = try container.decodeIfPresent(Retry.self, forKey: .retry) ?? .init()
    }
}

/// One transcription engine and its settings.
public struct EngineConfig: Sendable, Decodable {
    public enum Kind: String, Sendable, Decodable, CaseIterable {
        /// No transcription: cards carry the audio only.
        case none
        /// `POST /v1/audio/transcriptions` (OpenAI, Groq, speaches, LocalAI, vLLM).
        case openai
        /// whisper.cpp's server: `url` is the full endpoint, e.g. `http://host:8080/inference`.
        case whisperCpp = "whisper-cpp"
        /// whisper-asr-webservice: `url` is the base (`http://host:9000`) or the full `/asr`.
        case whisperASR = "whisper-asr"
        /// Deepgram pre-recorded (`https://api.deepgram.com/v1/listen` unless `url` says otherwise); needs `api_key`.
        case deepgram
        /// AssemblyAI v2 upload + poll (`https://api.assemblyai.com` unless `url` says otherwise); needs `api_key`.
        case assemblyai
    }

    public var kind: Kind
    public var url: String?
    public var apiKey: Secret?
    public var model: String?
    public var language: String?
    public var prompt: String?
    public var timeout: ConfigDuration
    /// PEM bundle to trust for a self-hosted endpoint with a private CA.
    public var caFile: String?

    public init(
        kind: Kind, url: String? = nil, apiKey: Secret? = nil, model: String? = nil, language: String? = nil,
        prompt: String? = nil, timeout: ConfigDuration = .init(.seconds(60)), caFile: String? = nil
    ) {
        self.kind = kind
        self.url = url
        self.apiKey = apiKey
        self.model = model
        self.language = language
        self.prompt = prompt
        self.timeout = timeout
        self.caFile = caFile
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, url, apiKey = "api_key", model, language, prompt, timeout, caFile = "ca_file"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kindName = try container.decodeNonEmpty(.kind)
        guard let kind = Kind(rawValue: kindName) else {
            throw container.invalid(
                .kind, "unknown engine \"\(kindName)\" (expected \(Kind.allCases.map(\.rawValue).joined(separator: " | ")))")
        }
        self.kind = kind
        url = try container.decodeIfPresent(String.self, forKey: .url)
        apiKey = try container.decodeIfPresent(Secret.self, forKey: .apiKey)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        language = try container.decodeIfPresent(String.self, forKey: .language)
        prompt = try container.decodeIfPresent(String.self, forKey: .prompt)
        timeout = try container.decodeIfPresent(ConfigDuration.self, forKey: .timeout) ?? .init(.seconds(60))
        caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
        if kind == .openai {
            guard let url, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw container.invalid(.url, "an openai engine needs an http(s) URL to /v1/audio/transcriptions")
            }
            guard model?.isEmpty == false else {
                throw ConfigError(.missing, key: (container.codingPath + [CodingKeys.model]).dotted, "an openai engine needs a model (e.g. whisper-1)")
            }
        }
        switch kind {
        case .whisperCpp, .whisperASR:
            guard let url, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                let example = kind == .whisperCpp ? "http://host:8080/inference" : "http://host:9000"
                throw container.invalid(.url, "a \(kind.rawValue) engine needs an http(s) URL (e.g. \(example))")
            }
        case .deepgram, .assemblyai:
            if let url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                throw container.invalid(.url, "a \(kind.rawValue) engine's url must be http(s)")
            }
            guard apiKey?.isEmpty == false else {
                throw ConfigError(.missing, key: (container.codingPath + [CodingKeys.apiKey]).dotted, "a \(kind.rawValue) engine needs an api_key")
            }
        case .none, .openai:
            break
        }
    }
}
