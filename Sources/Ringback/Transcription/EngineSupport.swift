import Foundation
import RingbackCore
import RingbackCurl

/// What every HTTP engine does the same way: send, map failures, read whisper-style replies.
enum EngineSupport {
    /// Sends the request; a transfer failure (connect, timeout, reset) becomes a transient `.transport` error.
    static func perform(_ request: HTTPRequest, engine: String) async throws(TranscriptionError) -> HTTPResponse {
        do throws(CurlError) {
            return try await HTTPClient().perform(request)
        } catch {
            throw TranscriptionError(code: .transport, engine: engine, url: error.url, status: error.responseCode, message: error.message)
        }
    }

    /// A non-2xx reply: the status, the server's own message and its Retry-After.
    /// `secret`: the engine's API key, removed from the server's message (OpenAI quotes a wrong key back).
    static func rejection(_ response: HTTPResponse, engine: String, url: String, redacting secret: Secret? = nil) -> TranscriptionError {
        let message = APIErrorBody.message(in: response.body) ?? "HTTP \(response.status)"
        return TranscriptionError(
            code: .rejected, engine: engine, url: url, status: response.status,
            message: secret?.redact(in: message) ?? message,
            retryAfter: response.header("Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.map { .seconds($0) })
    }

    /// The JSON body both whisper servers answer with (`text`, `language`, `segments`), as a transcript.
    ///
    /// - Parameters:
    ///   - expected: what the body should have been, for the `.unparseable` message.
    ///   - language: overrides the language the body reports, e.g. the one the caller configured.
    static func whisperTranscript(
        _ response: HTTPResponse, engine: String, url: String, expected: String, language: String? = nil
    ) throws(TranscriptionError) -> Transcript {
        struct Body: Decodable {
            var text: String
            var language: String?
            var duration: Double?
            var segments: [WhisperSegment]?
        }
        guard let body = try? JSONDecoder().decode(Body.self, from: response.body) else {
            throw TranscriptionError(
                code: .unparseable, engine: engine, url: url, status: response.status,
                message: "the reply is not \(expected): \(response.bodyText.prefix(200))")
        }
        return Transcript(
            text: body.text.trimmingCharacters(in: .whitespacesAndNewlines), engine: engine, language: language ?? body.language,
            confidence: WhisperSegment.confidence(body.segments), segments: WhisperSegment.timed(body.segments), duration: body.duration)
    }

    /// `base` with query parameters appended, values percent-encoded.
    static func url(_ base: String, query: [(String, String)]) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        let pairs = query.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }
        guard !pairs.isEmpty else { return base }
        return base + (base.contains("?") ? "&" : "?") + pairs.joined(separator: "&")
    }
}
