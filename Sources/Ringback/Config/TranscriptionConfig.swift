public import RingbackCore

/// Where audio is transcribed: engines tried in order.
public struct TranscriptionConfig: Sendable, Decodable {
    public var engines: [EngineConfig]
    public var retry: Retry
    /// Below this confidence (0…1) a transcript is shown as "low confidence", never as what was said.
    public var minConfidence: Double
    /// After a card went out without a transcript, how long Ringback keeps trying to send one as a reply.
    public var followUpWithin: ConfigDuration

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

    public static let defaultMinConfidence = 0.5

    public static let defaultFollowUpWithin = ConfigDuration(.seconds(24 * 3600))

    public init(
        engines: [EngineConfig] = [EngineConfig(kind: .none)], retry: Retry = .init(), minConfidence: Double = defaultMinConfidence,
        followUpWithin: ConfigDuration = defaultFollowUpWithin
    ) {
        self.engines = engines
        self.retry = retry
        self.minConfidence = minConfidence
        self.followUpWithin = followUpWithin
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case engines, retry
        case minConfidence = "min_confidence"
        case followUpWithin = "follow_up_within"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        engines = try container.decodeIfPresent([EngineConfig].self, forKey: .engines) ?? [EngineConfig(kind: .none)]
        retry = try container.decodeIfPresent(Retry.self, forKey: .retry) ?? .init()
        minConfidence = try container.decodeIfPresent(Double.self, forKey: .minConfidence) ?? Self.defaultMinConfidence
        guard (0...1).contains(minConfidence) else { throw container.invalid(.minConfidence, "must be between 0 and 1") }
        followUpWithin = try container.decodeIfPresent(ConfigDuration.self, forKey: .followUpWithin) ?? Self.defaultFollowUpWithin
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
        /// Offline, in-process (whisper.cpp): nothing leaves the machine. `model` is a ggml file (default: the
        /// Whisper base model `make deps` installs).
        case whisper
    }

    /// Engines Ringback had once, and what replaced them: named in the error a config that still uses one gets.
    static let retired: [String: String] = [
        "pocketsphinx":
            "pocketsphinx was replaced by the offline whisper engine (whisper.cpp, in-process; far fewer wrong words on telephone audio): write `kind: whisper`"
    ]

    public var kind: Kind
    public var url: String?
    public var apiKey: Secret?
    public var model: String?
    public var language: String?
    public var prompt: String?
    public var timeout: ConfigDuration
    /// PEM bundle to trust for a self-hosted endpoint with a private CA.
    public var caFile: String?
    /// Requests (or, offline, decoders) this engine runs at once; nil for no limit of Ringback's own.
    public var maxConcurrent: Int?
    /// Limits of a server that takes less than its API's documented maximum (LocalAI: 15 MB): longer or larger
    /// voicemails are sent in parts cut at quiet moments.
    public var maxSeconds: ConfigDuration?
    public var maxBytes: Int64?
    /// whisper: cores one decode uses (default: all of them).
    public var threads: Int?
    /// whisper: 1 decodes greedily (the default); more searches that many beams.
    public var beamSize: Int?

    public init(
        kind: Kind, url: String? = nil, apiKey: Secret? = nil, model: String? = nil, language: String? = nil,
        prompt: String? = nil, timeout: ConfigDuration = .init(.seconds(60)), caFile: String? = nil, maxConcurrent: Int? = nil,
        maxSeconds: ConfigDuration? = nil, maxBytes: Int64? = nil, threads: Int? = nil, beamSize: Int? = nil
    ) {
        self.kind = kind
        self.url = url
        self.apiKey = apiKey
        self.model = model
        self.language = language
        self.prompt = prompt
        self.timeout = timeout
        self.caFile = caFile
        self.maxConcurrent = maxConcurrent
        self.maxSeconds = maxSeconds
        self.maxBytes = maxBytes
        self.threads = threads
        self.beamSize = beamSize
    }

    /// `en`, `es`, `pt-BR`: a language code whisper knows by its first part.
    static func isLanguageCode(_ text: String) -> Bool {
        let primary = text.split(whereSeparator: { $0 == "-" || $0 == "_" }).first ?? ""
        return (2...3).contains(primary.count) && primary.allSatisfy { $0.isASCII && $0.isLetter }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, url
        case apiKey = "api_key"
        case model, language, prompt, timeout
        case caFile = "ca_file"
        case maxConcurrent = "max_concurrent"
        case maxSeconds = "max_seconds"
        case maxBytes = "max_bytes"
        case threads
        case beamSize = "beam_size"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kindName = try container.decodeNonEmpty(.kind)
        if let replacement = Self.retired[kindName] { throw container.invalid(.kind, replacement) }
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
        maxConcurrent = try container.decodeIfPresent(Int.self, forKey: .maxConcurrent)
        if let maxConcurrent, !(1...64).contains(maxConcurrent) { throw container.invalid(.maxConcurrent, "must be between 1 and 64") }
        maxSeconds = try container.decodeIfPresent(ConfigDuration.self, forKey: .maxSeconds)
        if let maxSeconds, maxSeconds.seconds < 5 { throw container.invalid(.maxSeconds, "must be at least 5s") }
        maxBytes = try container.decodeIfPresent(Int64.self, forKey: .maxBytes)
        if let maxBytes, maxBytes < 256 * 1024 { throw container.invalid(.maxBytes, "must be at least 262144 (256 KiB)") }
        threads = try container.decodeIfPresent(Int.self, forKey: .threads)
        if let threads, !(1...256).contains(threads) { throw container.invalid(.threads, "must be between 1 and 256") }
        beamSize = try container.decodeIfPresent(Int.self, forKey: .beamSize)
        if let beamSize, !(1...16).contains(beamSize) { throw container.invalid(.beamSize, "must be between 1 and 16") }
        if kind != .whisper {
            for key in [CodingKeys.threads, .beamSize] where container.contains(key) {
                throw container.invalid(key, "applies to the offline whisper engine only")
            }
        }
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
        case .whisper:
            if let language, language != "auto", !Self.isLanguageCode(language) {
                throw container.invalid(.language, "a language code such as en, es or fr, or auto to detect it")
            }
        case .none, .openai:
            break
        }
    }
}
