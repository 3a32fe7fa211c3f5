import Foundation
import RingbackAudio
public import RingbackCore
import RingbackCurl

/// AssemblyAI's asynchronous v2 API: `POST /v2/upload` (raw bytes) → `upload_url`, `POST /v2/transcript
/// {audio_url, language_code}` → `id`, then `GET /v2/transcript/{id}` with exponential backoff until `completed`
/// or `error`, all under one deadline (`timeout`). Authorization is the bare key.
public struct AssemblyAITranscriber: Transcriber {
    public static let defaultURL = "https://api.assemblyai.com"

    /// The API base; `/v2/...` paths are appended.
    public let url: String
    public let apiKey: Secret
    public let speechModel: String?
    public let language: String?
    /// The whole job: upload, create and every poll.
    public let timeout: Duration
    public let caFile: String?
    /// The wait before the first poll; it doubles up to `maxPollDelay`.
    public let firstPollDelay: Duration
    public let maxPollDelay: Duration

    public init(
        url: String? = nil, apiKey: Secret, speechModel: String? = nil, language: String? = nil, timeout: Duration = .seconds(300),
        caFile: String? = nil, firstPollDelay: Duration = .milliseconds(500), maxPollDelay: Duration = .seconds(5)
    ) {
        var base = url.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultURL
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/v2") { base.removeLast(3) }
        self.url = base
        self.apiKey = apiKey
        self.speechModel = speechModel.flatMap { $0.isEmpty ? nil : $0 }
        self.language = language
        self.timeout = timeout
        self.caFile = caFile
        self.firstPollDelay = firstPollDelay
        self.maxPollDelay = maxPollDelay
    }

    public var name: String { speechModel.map { "assemblyai:\($0)" } ?? "assemblyai" }

    private struct Job: Decodable {
        var id: String
        var status: String
        var text: String?
        var confidence: Double?
        var language_code: String?
        var error: String?
        var audio_duration: Double?
        var words: [Word]?

        /// Milliseconds.
        struct Word: Decodable {
            var text: String
            var start: Double
            var end: Double
        }
    }

    public func transcribe(_ clip: AudioClip) async throws(TranscriptionError) -> Transcript {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout

        // 1. Upload the bytes.
        let uploadURL = url + "/v2/upload"
        let upload = try await send(
            HTTPRequest(method: "POST", url: uploadURL, headers: headers, body: .file(path: clip.url.path, contentType: "application/octet-stream")),
            to: uploadURL, deadline: deadline)
        struct Uploaded: Decodable { var upload_url: String }
        let audioURL = try decode(Uploaded.self, upload, from: uploadURL).upload_url

        // 2. Create the job.
        var parameters: [String: String] = ["audio_url": audioURL]
        if let language, !language.isEmpty { parameters["language_code"] = language }
        if let speechModel { parameters["speech_model"] = speechModel }
        let createURL = url + "/v2/transcript"
        let body = (try? JSONSerialization.data(withJSONObject: parameters, options: [.sortedKeys])) ?? Data()
        let created = try await send(
            HTTPRequest(method: "POST", url: createURL, headers: headers, body: .data(body, contentType: "application/json")),
            to: createURL, deadline: deadline)
        var job = try decode(Job.self, created, from: createURL)

        // 3. Poll until it ends, backing off.
        let jobURL = createURL + "/" + (job.id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? job.id)
        var delay = firstPollDelay
        while job.status != "completed" && job.status != "error" {
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else { throw gaveUp(job, at: jobURL) }
            try? await Task.sleep(for: min(delay, remaining))
            if Task.isCancelled {
                throw TranscriptionError(code: .transport, engine: name, url: jobURL, message: "cancelled while job \(job.id) was \(job.status)")
            }
            guard clock.now < deadline else { throw gaveUp(job, at: jobURL) }
            delay = min(delay * 2, maxPollDelay)
            let polled = try await send(HTTPRequest(method: "GET", url: jobURL, headers: headers), to: jobURL, deadline: deadline)
            job = try decode(Job.self, polled, from: jobURL)
        }
        if job.status == "error" {
            throw TranscriptionError(
                code: .rejected, engine: name, url: jobURL, message: job.error.map { "job \(job.id) failed: \($0)" } ?? "job \(job.id) failed without a message"
            )
        }
        guard let text = job.text else {
            throw TranscriptionError(code: .unparseable, engine: name, url: jobURL, status: 200, message: "job \(job.id) completed without text")
        }
        return Transcript(
            text: text.trimmingCharacters(in: .whitespacesAndNewlines), engine: name, language: job.language_code,
            confidence: job.confidence.map { min(1, max(0, $0)) },
            segments: (job.words ?? []).map { Transcript.Segment(start: $0.start / 1000, end: $0.end / 1000, text: $0.text) },
            duration: job.audio_duration)
    }

    private var headers: [(name: String, value: String)] {
        [("Accept", "application/json"), ("Authorization", apiKey.value)]
    }

    private func gaveUp(_ job: Job, at jobURL: String) -> TranscriptionError {
        TranscriptionError(
            code: .transport, engine: name, url: jobURL,
            message: "gave up after \(timeout) (the engine's timeout): job \(job.id) still \(job.status)")
    }

    /// Sends with whatever time is left before the deadline; a non-2xx is rejected with the server's message.
    private func send(_ request: HTTPRequest, to url: String, deadline: ContinuousClock.Instant) async throws(TranscriptionError) -> HTTPResponse {
        var request = request
        request.caFile = caFile
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .milliseconds(1) else {
            throw TranscriptionError(code: .transport, engine: name, url: url, message: "gave up after \(timeout) (the engine's timeout)")
        }
        request.timeout = remaining
        request.connectTimeout = min(request.connectTimeout, remaining)
        let response: HTTPResponse
        do throws(TranscriptionError) {
            response = try await EngineSupport.perform(request, engine: name)
        } catch {
            // A request cut short by the overall deadline is the deadline's doing: say so, not curl's "timed out".
            guard ContinuousClock.now >= deadline else { throw error }
            var error = error
            error.message = "gave up after \(timeout) (the engine's timeout): \(error.message)"
            throw error
        }
        guard (200..<300).contains(response.status) else {
            throw EngineSupport.rejection(response, engine: name, url: url, redacting: apiKey)
        }
        return response
    }

    private func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse, from url: String) throws(TranscriptionError) -> T {
        guard let value = try? JSONDecoder().decode(T.self, from: response.body) else {
            throw TranscriptionError(
                code: .unparseable, engine: name, url: url, status: response.status,
                message: "unexpected reply: \(response.bodyText.prefix(200))")
        }
        return value
    }
}
