public import RingbackAudio

/// What an engine accepts. The chain prepares each voicemail to fit before the engine sees it: converted only when
/// the engine cannot take the original, and cut into parts only when it is longer or larger than the engine takes.
public struct AudioRequirements: Sendable, Equatable {
    public enum Formats: Sendable, Equatable {
        /// Anything libsndfile reads: the engine decodes in-process (pocketsphinx).
        case anyReadable
        /// What web APIs and servers decode: linear WAV, FLAC, MP3, Ogg. Telephone codecs (GSM, µ-law, A-law) are
        /// converted, since several servers reject them (whisper.cpp cannot decode GSM at all).
        case widelyDecodable

        public func accepts(_ format: AudioFormat) -> Bool {
            switch self {
            case .anyReadable: true
            case .widelyDecodable: (format.container == .wav && format.isLinear) || [.flac, .mpeg, .ogg].contains(format.container)
            }
        }
    }

    public var formats: Formats
    /// What audio the engine cannot take is converted to.
    public var convertTo: AudioFormat
    /// The only rate the engine takes (pocketsphinx: 16 kHz), or nil for any.
    public var sampleRate: Int?
    /// The largest upload (OpenAI: 25 MiB), or nil.
    public var maxBytes: Int64?
    /// The longest audio per request, or nil.
    public var maxSeconds: Double?
    /// True when the engine reads frame ranges of the original itself, so parts are never written to temp files.
    public var readsInPlace: Bool

    public init(
        formats: Formats = .widelyDecodable, convertTo: AudioFormat = .pcm16WAV, sampleRate: Int? = nil, maxBytes: Int64? = nil,
        maxSeconds: Double? = nil, readsInPlace: Bool = false
    ) {
        self.formats = formats
        self.convertTo = convertTo
        self.sampleRate = sampleRate
        self.maxBytes = maxBytes
        self.maxSeconds = maxSeconds
        self.readsInPlace = readsInPlace
    }

    /// An HTTP API: widely decodable formats, uploads of at most `maxBytes`.
    public static func upload(maxBytes: Int64? = nil, maxSeconds: Double? = nil) -> AudioRequirements {
        AudioRequirements(maxBytes: maxBytes, maxSeconds: maxSeconds)
    }

    /// Limits from pipeline.yml (`max_seconds`, `max_bytes`) tighten the engine's own; they never loosen them.
    public func tightened(maxSeconds: Double?, maxBytes: Int64?) -> AudioRequirements {
        var copy = self
        if let maxSeconds { copy.maxSeconds = min(self.maxSeconds ?? maxSeconds, maxSeconds) }
        if let maxBytes { copy.maxBytes = min(self.maxBytes ?? maxBytes, maxBytes) }
        return copy
    }
}
