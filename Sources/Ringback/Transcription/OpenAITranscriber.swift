import Foundation
public import RingbackCore
import RingbackCurl

/// `POST /v1/audio/transcriptions`: OpenAI, Groq, speaches, LocalAI, vLLM.
///
/// Asks for `verbose_json` (segments with `avg_logprob` and `no_speech_prob`, from which the confidence comes),
/// except from the gpt-4o transcription models, which only answer `json` or `text`. Uploads are capped at 25 MiB,
/// the API's limit: a longer voicemail is sent in parts.
public struct OpenAITranscriber: Transcriber {
    public static let maxUploadBytes: Int64 = 25 * 1024 * 1024

    public let url: String
    public let apiKey: Secret?
    public let model: String
    public let language: String?
    public let prompt: String?
    public let timeout: Duration
    public let caFile: String?

    public init(
        url: String, apiKey: Secret?, model: String, language: String? = nil, prompt: String? = nil, timeout: Duration = .seconds(60), caFile: String? = nil
    ) {
        self.url = url
        self.apiKey = apiKey
        self.model = model
        self.language = language
        self.prompt = prompt
        self.timeout = timeout
        self.caFile = caFile
    }

    public var name: String { "openai:\(model)" }

    public var requirements: AudioRequirements { .upload(maxBytes: Self.maxUploadBytes) }

    /// gpt-4o-transcribe and gpt-4o-mini-transcribe reject `verbose_json`.
    private var responseFormat: String { model.hasPrefix("gpt-4o") ? "json" : "verbose_json" }

    public func transcribe(_ clip: AudioClip) async throws(TranscriptionError) -> Transcript {
        var fields: [FormField] = [
            FormField(name: "file", content: .file(path: clip.url.path, filename: clip.filename, contentType: clip.format.mimeType)),
            .text("model", model),
            .text("response_format", responseFormat),
        ]
        if let language, !language.isEmpty { fields.append(.text("language", language)) }
        if let prompt, !prompt.isEmpty { fields.append(.text("prompt", prompt)) }
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let apiKey, !apiKey.isEmpty { headers.append(("Authorization", "Bearer \(apiKey.value)")) }

        let request = HTTPRequest(method: "POST", url: url, headers: headers, body: .form(fields), timeout: timeout, caFile: caFile)
        let response = try await EngineSupport.perform(request, engine: name)
        guard (200..<300).contains(response.status) else {
            throw EngineSupport.rejection(response, engine: name, url: url, redacting: apiKey)
        }
        // Some compatible servers answer a plain-text transcript whatever was asked.
        if response.header("Content-Type")?.hasPrefix("text/plain") == true, response.body.first != UInt8(ascii: "{") {
            return Transcript(text: response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines), engine: name)
        }
        return try EngineSupport.whisperTranscript(response, engine: name, url: url, expected: "a transcript")
    }
}
