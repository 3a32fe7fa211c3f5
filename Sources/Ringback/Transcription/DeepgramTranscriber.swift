import Foundation
import RingbackAudio
public import RingbackCore
import RingbackCurl

/// Deepgram pre-recorded audio: `POST /v1/listen?model=…&smart_format=true`, the audio as the raw body with its
/// own Content-Type, `Authorization: Token KEY`; errors are `{err_code, err_msg, request_id}`.
public struct DeepgramTranscriber: Transcriber {
    public static let defaultURL = "https://api.deepgram.com/v1/listen"
    public static let defaultModel = "nova-3"

    public let url: String
    public let apiKey: Secret
    public let model: String
    public let language: String?
    public let timeout: Duration
    public let caFile: String?

    public init(url: String? = nil, apiKey: Secret, model: String? = nil, language: String? = nil, timeout: Duration = .seconds(60), caFile: String? = nil) {
        self.url = url.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultURL
        self.apiKey = apiKey
        self.model = model.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultModel
        self.language = language
        self.timeout = timeout
        self.caFile = caFile
    }

    public var name: String { "deepgram:\(model)" }

    public func transcribe(_ clip: AudioClip) async throws(TranscriptionError) -> Transcript {
        var query = [("model", model), ("smart_format", "true")]
        if let language, !language.isEmpty { query.append(("language", language)) }
        let endpoint = EngineSupport.url(url, query: query)
        let request = HTTPRequest(
            method: "POST", url: endpoint,
            headers: [("Accept", "application/json"), ("Authorization", "Token \(apiKey.value)")],
            body: .file(path: clip.url.path, contentType: clip.format.mimeType), timeout: timeout, caFile: caFile)
        let response = try await EngineSupport.perform(request, engine: name)
        guard (200..<300).contains(response.status) else {
            throw EngineSupport.rejection(response, engine: name, url: url, redacting: apiKey)
        }
        return try parse(response)
    }

    private func parse(_ response: HTTPResponse) throws(TranscriptionError) -> Transcript {
        struct Body: Decodable {
            struct Results: Decodable { var channels: [Channel] }
            struct Metadata: Decodable { var duration: Double? }
            struct Word: Decodable {
                var word: String
                var punctuated_word: String?
                var start: Double
                var end: Double
            }
            struct Channel: Decodable {
                var alternatives: [Alternative]
                var detected_language: String?
            }
            struct Alternative: Decodable {
                var transcript: String
                var confidence: Double?
                var words: [Word]?
            }
            var results: Results
            var metadata: Metadata?
        }
        guard let body = try? JSONDecoder().decode(Body.self, from: response.body),
            let channel = body.results.channels.first, let alternative = channel.alternatives.first
        else {
            throw TranscriptionError(
                code: .unparseable, engine: name, url: url, status: response.status,
                message: "the reply has no results.channels[0].alternatives[0].transcript: \(response.bodyText.prefix(200))")
        }
        return Transcript(
            text: alternative.transcript.trimmingCharacters(in: .whitespacesAndNewlines), engine: name,
            language: channel.detected_language ?? language.flatMap { $0.isEmpty ? nil : $0 },
            confidence: alternative.confidence.map { min(1, max(0, $0)) },
            segments: (alternative.words ?? []).map { Transcript.Segment(start: $0.start, end: $0.end, text: $0.punctuated_word ?? $0.word) },
            duration: body.metadata?.duration)
    }
}
