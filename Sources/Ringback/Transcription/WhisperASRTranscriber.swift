import Foundation
import RingbackAudio
public import RingbackCore
import RingbackCurl

/// ahmetoner/whisper-asr-webservice: `POST /asr?task=transcribe&language=…&output=json&encode=true`, the audio in
/// the multipart field `audio_file`, no auth. Every success, JSON included, is served as `text/plain`.
public struct WhisperASRTranscriber: Transcriber {
    /// The `/asr` endpoint, whether it was configured as the base (`http://host:9000`) or in full.
    public let url: String
    public let language: String?
    public let prompt: String?
    public let timeout: Duration
    public let caFile: String?

    public init(url: String, language: String? = nil, prompt: String? = nil, timeout: Duration = .seconds(60), caFile: String? = nil) {
        self.url = Self.endpoint(url)
        self.language = language
        self.prompt = prompt
        self.timeout = timeout
        self.caFile = caFile
    }

    /// `http://host:9000` or `http://host:9000/` → `http://host:9000/asr`; a URL already ending in `/asr` is kept.
    static func endpoint(_ url: String) -> String {
        var base = url
        if let query = base.firstIndex(of: "?") { base = String(base[..<query]) }
        while base.hasSuffix("/") { base.removeLast() }
        return base.hasSuffix("/asr") ? base : base + "/asr"
    }

    public var name: String { "whisper-asr" }

    public func transcribe(_ clip: AudioClip) async throws(TranscriptionError) -> Transcript {
        var query = [("task", "transcribe")]
        if let language, !language.isEmpty { query.append(("language", language)) }
        if let prompt, !prompt.isEmpty { query.append(("initial_prompt", prompt)) }
        query += [("output", "json"), ("encode", "true")]
        let request = HTTPRequest(
            method: "POST", url: EngineSupport.url(url, query: query), headers: [("Accept", "application/json")],
            body: .form([FormField(name: "audio_file", content: .file(path: clip.url.path, filename: clip.filename, contentType: clip.format.mimeType))]),
            timeout: timeout, caFile: caFile)
        let response = try await EngineSupport.perform(request, engine: name)
        guard (200..<300).contains(response.status) else {
            throw EngineSupport.rejection(response, engine: name, url: url)
        }
        // Content-Type is text/plain even for JSON: parse the body regardless.
        return try EngineSupport.whisperTranscript(response, engine: name, url: url, expected: "a JSON transcript (is output=json ignored?)")
    }
}
