import Foundation
import RingbackAudio
public import RingbackCore
import RingbackCurl

/// whisper.cpp's `server` example: `POST /inference` (or its `--inference-path`), multipart `file`, no auth.
///
/// Its built-in decoder (miniaudio) reads PCM, float, A-law and µ-law WAV, FLAC, MP3 and Ogg Vorbis but not
/// GSM, and every 400 it answers is the plain-text body `Invalid request`; so telephone codecs are always
/// converted to 16-bit PCM first, and a 400 is turned into a message a person can act on.
public struct WhisperCppTranscriber: Transcriber {
    /// The full endpoint, e.g. `http://host:8080/inference`.
    public let url: String
    public let model: String?
    public let language: String?
    public let prompt: String?
    public let timeout: Duration
    public let caFile: String?
    private let client = HTTPClient()

    public init(url: String, model: String? = nil, language: String? = nil, prompt: String? = nil, timeout: Duration = .seconds(60), caFile: String? = nil) {
        self.url = url
        self.model = model
        self.language = language
        self.prompt = prompt
        self.timeout = timeout
        self.caFile = caFile
    }

    public var name: String { model.map { $0.isEmpty ? "whisper-cpp" : "whisper-cpp:\($0)" } ?? "whisper-cpp" }

    public func transcribe(_ clip: AudioClip) async throws(TranscriptionError) -> Transcript {
        var fields: [FormField] = [
            FormField(name: "file", content: .file(path: clip.url.path, filename: clip.filename, contentType: clip.format.mimeType)),
            .text("response_format", "verbose_json"),
        ]
        if let language, !language.isEmpty { fields.append(.text("language", language)) }
        if let prompt, !prompt.isEmpty { fields.append(.text("prompt", prompt)) }
        let request = HTTPRequest(
            method: "POST", url: url, headers: [("Accept", "application/json")], body: .form(fields), timeout: timeout, caFile: caFile)
        let response = try await EngineSupport.perform(request, engine: name)
        guard (200..<300).contains(response.status) else {
            var error = EngineSupport.rejection(response, engine: name, url: url)
            if response.status == 400 {
                let said = APIErrorBody.message(in: response.body).map { "\"\($0)\"" } ?? "an empty 400"
                error.message =
                    "whisper.cpp answered \(said): it could not read the upload as \(clip.format) "
                    + "(its decoder takes PCM, µ-law and A-law WAV, FLAC, MP3, Ogg Vorbis), or the form lacked the 'file' field"
            } else if response.status == 404 {
                error.message += " (is \(url) the server's --inference-path?)"
            }
            throw error
        }
        // A configured language (not "auto") is what the server was told to use, so it wins over the body's.
        let language = language.flatMap { $0.isEmpty || $0 == "auto" ? nil : $0 }
        return try EngineSupport.whisperTranscript(response, engine: name, url: url, expected: "a whisper.cpp transcript", language: language)
    }
}

/// A whisper segment as whisper.cpp's verbose_json and openai-whisper's JSON report it.
struct WhisperSegment: Decodable {
    var start: Double?
    var end: Double?
    var text: String?
    var avg_logprob: Double?
    var no_speech_prob: Double?

    /// Timed segments; LocalAI reports nanoseconds where everyone else reports seconds (a "second" past 10⁶, eleven
    /// days, can only be nanoseconds).
    static func timed(_ segments: [WhisperSegment]?) -> [Transcript.Segment] {
        (segments ?? []).compactMap { segment in
            guard var start = segment.start, var end = segment.end, start.isFinite, end.isFinite else { return nil }
            if end > 1_000_000 {
                start /= 1e9
                end /= 1e9
            }
            return Transcript.Segment(start: start, end: end, text: (segment.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// Mean over segments of exp(avg_logprob) × (1 − no_speech_prob), clamped to 0…1; nil unless every
    /// segment reports both fields.
    static func confidence(_ segments: [WhisperSegment]?) -> Double? {
        guard let segments, !segments.isEmpty else { return nil }
        var total = 0.0
        for segment in segments {
            guard let logprob = segment.avg_logprob, let noSpeech = segment.no_speech_prob, logprob.isFinite, noSpeech.isFinite else {
                return nil
            }
            total += exp(logprob) * (1 - noSpeech)
        }
        return min(1, max(0, total / Double(segments.count)))
    }
}
