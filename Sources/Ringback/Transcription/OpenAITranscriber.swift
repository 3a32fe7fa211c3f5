public import Foundation
public import RingbackAudio
import RingbackCurl

/// `POST /v1/audio/transcriptions`: OpenAI, Groq, speaches, LocalAI, vLLM.
public struct OpenAITranscriber: Transcriber {
    public let url: String
    public let apiKey: Secret?
    public let model: String
    public let language: String?
    public let prompt: String?
    public let timeout: Duration
    public let caFile: String?
    private let client = HTTPClient()

    public init(url: String, apiKey: Secret?, model: String, language: String? = nil, prompt: String? = nil, timeout: Duration = .seconds(60), caFile: String? = nil) {
        self.url = url
        self.apiKey = apiKey
        self.model = model
        self.language = language
        self.prompt = prompt
        self.timeout = timeout
        self.caFile = caFile
    }

    public var name: String { "openai:\(model)" }

    public func transcribe(_ audio: URL, probe: AudioProbe) async throws(TranscriptionError) -> Transcript {
        let prepared: PreparedAudio
        do throws(AudioError) {
            prepared = try PreparedAudio.widelyDecodable(audio, probe: probe)
        } catch {
            throw TranscriptionError(code: .preparation, engine: name, message: "cannot convert \(probe.format) to PCM WAV: \(error.reason)")
        }
        let filename = audio.deletingPathExtension().lastPathComponent + "." + prepared.format.fileExtension
        var fields: [FormField] = [
            FormField(name: "file", content: .file(path: prepared.url.path, filename: filename, contentType: prepared.format.mimeType)),
            .text("model", model),
            .text("response_format", "json"),
        ]
        if let language, !language.isEmpty { fields.append(.text("language", language)) }
        if let prompt, !prompt.isEmpty { fields.append(.text("prompt", prompt)) }
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let apiKey, !apiKey.isEmpty { headers.append(("Authorization", "Bearer \(apiKey.value)")) }

        let request = HTTPRequest(method: "POST", url: url, headers: headers, body: .form(fields), timeout: timeout, caFile: caFile)
        let response: HTTPResponse
        do throws(CurlError) {
            response = try await client.perform(request)
            withExtendedLifetime(prepared) {}  // the temp file must outlive the upload
        } catch {
            throw TranscriptionError(code: .transport, engine: name, url: error.url, status: error.responseCode, message: error.message)
        }
        guard (200..<300).contains(response.status) else {
            throw TranscriptionError(
                code: .rejected, engine: name, url: url, status: response.status,
                message: APIErrorBody.message(in: response.body) ?? "HTTP \(response.status)",
                retryAfter: response.header("Retry-After").flatMap(Int.init).map { .seconds($0) })
        }
        return try parse(response)
    }

    private func parse(_ response: HTTPResponse) throws(TranscriptionError) -> Transcript {
        struct Body: Decodable {
            var text: String
            var language: String?
        }
        if let body = try? JSONDecoder().decode(Body.self, from: response.body) {
            return Transcript(text: body.text.trimmingCharacters(in: .whitespacesAndNewlines), engine: name, language: body.language)
        }
        if response.header("Content-Type")?.hasPrefix("text/plain") == true {
            return Transcript(text: response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines), engine: name)
        }
        throw TranscriptionError(
            code: .unparseable, engine: name, url: url, status: response.status,
            message: "the reply is not a transcript: \(response.bodyText.prefix(200))")
    }
}
