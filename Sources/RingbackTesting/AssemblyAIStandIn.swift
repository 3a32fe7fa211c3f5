public import Foundation

/// A stand-in for AssemblyAI's asynchronous v2 API: `POST /v2/upload` (raw
/// bytes), `POST /v2/transcript` (JSON naming the upload), then polling
/// `GET /v2/transcript/{id}` until `completed` or `error`.
///
/// Authorization is the bare key (no scheme). A transcript only finishes after
/// `pollsUntilDone` GETs, and every GET's arrival time is kept, so a test can
/// assert the client polls, backs off and gives up as intended. Undecodable
/// uploads, as with the real service, are accepted and fail later in the job
/// ("Transcoding failed"), which is where a multipart-wrapped upload surfaces.
public final class AssemblyAIStandIn: Sendable {
    /// One `POST /v2/upload` the stand-in accepted.
    public struct Upload: Sendable {
        public let uploadURL: String
        /// The Content-Type header as sent.
        public let contentType: String?
        public let audio: Data
    }

    /// One transcript job created by `POST /v2/transcript`.
    public struct Job: Sendable {
        public let id: String
        public let audioURL: String
        public let languageCode: String?
        public let speechModel: String?
        public let punctuate: Bool?
        public let formatText: Bool?
        /// Every top-level key of the request body, e.g. to spot a misspelt option.
        public let parameters: [String]
        /// GETs answered for this job so far.
        public fileprivate(set) var polls: Int
        /// queued, processing, completed or error, as last reported.
        public fileprivate(set) var status: String
        /// The message of a job that ended in `error`.
        public fileprivate(set) var error: String?
    }

    private let core: StandInCore<Upload, Session>

    public var baseURL: String { core.baseURL }
    /// The API base an engine config would use (`/v2/...` paths are appended to it).
    public var url: String { core.baseURL }

    /// Every accepted upload, in order (not those answered by a scripted reply).
    public var received: [Upload] { core.received }

    /// Every transcript job created, in order.
    public var jobs: [Job] { core.read { $0.jobs } }

    /// Every contract deviation seen, in order, even when a scripted reply answered it.
    public var violations: [String] { core.violations }

    /// Every HTTP request that arrived, e.g. to count retries.
    public var requests: [HTTPStandIn.Request] { core.requests }

    /// How many `GET /v2/transcript/{id}` requests arrived, scripted replies and errors included.
    public var pollCount: Int { core.read { $0.pollTimes.count } }

    /// When each `GET /v2/transcript/{id}` arrived, in order.
    public var pollTimes: [ContinuousClock.Instant] { core.read { $0.pollTimes } }

    /// The gaps between consecutive polls, e.g. to assert backoff grows.
    public var pollIntervals: [Duration] {
        let times = pollTimes
        return zip(times, times.dropFirst()).map { $0.duration(to: $1) }
    }

    /// - Parameters:
    ///   - pollsUntilDone: the GET that reports the final status (1 = the first poll already does).
    ///   - failure: when set, every job ends with `status: error` and this message.
    public init(
        apiKey: String = "aai-test", pollsUntilDone: Int = 2, failure: String? = nil,
        transcript: String = "Hi, this is Maria, please call me back about the leaking sink."
    ) throws {
        let contract = Contract(apiKey: apiKey, pollsUntilDone: pollsUntilDone, transcript: transcript)
        core = try StandInCore(
            extra: Session(failure: failure),
            arrival: { request, recorded in
                if request.method == "GET", request.path.hasPrefix(Contract.transcriptPath + "/") {
                    recorded.pollTimes.append(ContinuousClock.now)
                }
            },
            contract: { contract.answer($0, &$1) }
        )
        let baseURL = core.baseURL
        core.update { $0.baseURL = baseURL }
    }

    /// Makes jobs that finish from now on end in `status: error` with this message (nil: complete normally).
    public func setFailure(_ message: String?) {
        core.update { $0.failure = message }
    }

    /// Queues a reply used INSTEAD of the normal answer for the next request (FIFO),
    /// e.g. `.respond(.json(500, ...))` or `.reset` for failure tests.
    public func enqueue(_ reply: HTTPStandIn.Reply) {
        core.enqueue(reply)
    }

    public func stop() {
        core.stop()
    }
}

extension AssemblyAIStandIn {
    /// What AssemblyAI keeps beyond the uploads; the contract changes it under the core's lock.
    private struct Session: Sendable {
        var baseURL = ""
        var failure: String?
        var jobs: [Job] = []
        var pollTimes: [ContinuousClock.Instant] = []
    }

    private typealias Recorded = StandInCore<Upload, Session>.Recorded

    /// The rules; the state they read and change is passed in, already under the lock.
    private struct Contract: Sendable {
        let apiKey: String
        let pollsUntilDone: Int
        let transcript: String

        static let uploadPath = "/v2/upload"
        static let transcriptPath = "/v2/transcript"
        static let speechModels: Set<String> = ["best", "nano", "slam-1", "universal"]
        /// Request options the v2 API documents; anything else is most likely a typo.
        static let knownParameters: Set<String> = [
            "audio_url", "language_code", "language_detection", "language_confidence_threshold", "speech_model", "speech_models",
            "punctuate", "format_text", "disfluencies", "multichannel", "dual_channel", "webhook_url", "webhook_auth_header_name",
            "webhook_auth_header_value", "auto_highlights", "audio_start_from", "audio_end_at", "word_boost", "boost_param",
            "keyterms_prompt", "prompt", "filter_profanity", "redact_pii", "redact_pii_audio", "redact_pii_audio_quality",
            "redact_pii_policies", "redact_pii_sub", "speaker_labels", "speakers_expected", "content_safety",
            "content_safety_confidence", "iab_categories", "custom_spelling", "sentiment_analysis", "auto_chapters",
            "entity_detection", "speech_threshold", "summarization", "summary_model", "summary_type",
        ]
        static let transcodingFailed = "Transcoding failed. File does not appear to contain audio. File type is application/octet-stream (data)."

        private static func error(_ status: Int, _ message: String) -> HTTPStandIn.Response {
            .json(status, "{\"error\":\(jsonString(message))}")
        }

        /// The response and the violations seen; changes `recorded` only when the request succeeds.
        func answer(_ request: HTTPStandIn.Request, _ recorded: inout Recorded) -> (HTTPStandIn.Response, [String]) {
            let authorization = request.header("Authorization")
            let route: (inout Recorded) -> (HTTPStandIn.Response, [String])
            switch (request.method, request.path) {
            case ("POST", Self.uploadPath):
                route = { upload(request, &$0) }
            case ("POST", Self.transcriptPath):
                route = { create(request, &$0) }
            case ("GET", let path) where path.hasPrefix(Self.transcriptPath + "/"):
                route = { poll(String(path.dropFirst(Self.transcriptPath.count + 1)), &$0) }
            default:
                return (Self.error(404, "Not found"), ["\(request.method) \(request.path) is not an AssemblyAI v2 endpoint"])
            }
            guard authorization == apiKey else {
                let why: String
                if let authorization, authorization.lowercased().hasPrefix("bearer ") || authorization.lowercased().hasPrefix("token ") {
                    why = "Authorization \"\(authorization)\" has a scheme; AssemblyAI takes the bare key"
                } else {
                    why = authorization == nil ? "no Authorization header" : "wrong Authorization header \"\(authorization ?? "")\""
                }
                return (Self.error(401, "Authentication error, API token missing/invalid"), ["\(request.method) \(request.path): \(why)"])
            }
            return route(&recorded)
        }

        private func upload(_ request: HTTPStandIn.Request, _ recorded: inout Recorded) -> (HTTPStandIn.Response, [String]) {
            var notes: [String] = []
            let contentType = request.header("Content-Type")
            let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            if mediaType == "multipart/form-data" {
                notes.append("upload sent as multipart/form-data: AssemblyAI stores the whole envelope as the file, so the job will fail transcoding")
            } else if mediaType != "application/octet-stream", !mediaType.hasPrefix("audio/") {
                notes.append("upload Content-Type is \(contentType.map { "\"\($0)\"" } ?? "missing"), expected application/octet-stream")
            }
            if request.body.isEmpty {
                notes.append("empty upload body")
            }
            let uploadURL = "\(recorded.baseURL)/uploads/\(UUID().uuidString.lowercased())"
            recorded.uploads.append(Upload(uploadURL: uploadURL, contentType: contentType, audio: request.body))
            return (.json(200, "{\"upload_url\":\(jsonString(uploadURL))}"), notes)
        }

        private func create(_ request: HTTPStandIn.Request, _ recorded: inout Recorded) -> (HTTPStandIn.Response, [String]) {
            var notes: [String] = []
            let contentType = request.header("Content-Type") ?? ""
            if !contentType.lowercased().hasPrefix("application/json") {
                notes.append("POST /v2/transcript Content-Type is \"\(contentType)\", expected application/json")
            }
            func reject(_ message: String, _ violation: String) -> (HTTPStandIn.Response, [String]) {
                (Self.error(400, message), notes + [violation])
            }
            guard let parsed = try? JSONSerialization.jsonObject(with: request.body), let body = parsed as? [String: Any] else {
                return reject("Invalid JSON in request body", "POST /v2/transcript body is not a JSON object")
            }
            guard let audioURL = body["audio_url"] as? String, !audioURL.isEmpty else {
                return reject("audio_url is required", "POST /v2/transcript without an audio_url string")
            }
            for key in body.keys.sorted() where !Self.knownParameters.contains(key) {
                notes.append("unknown transcript parameter \"\(key)\"")
            }
            let languageCode = body["language_code"]
            if let languageCode, !(languageCode is String) {
                return reject("language_code must be a string", "language_code is not a string")
            }
            let speechModel = body["speech_model"]
            if let speechModel {
                guard let name = speechModel as? String, Self.speechModels.contains(name) else {
                    return reject("Invalid speech_model", "speech_model \(speechModel) is not one of best, nano, slam-1, universal")
                }
            }
            for key in ["punctuate", "format_text"] {
                // JSONSerialization turns true/false into NSNumber; only a real JSON boolean counts.
                if let value = body[key], !Self.isBoolean(value) {
                    return reject("\(key) must be a boolean", "\(key) is \(value), not a JSON boolean")
                }
            }
            guard recorded.uploads.contains(where: { $0.uploadURL == audioURL }) else {
                return reject(
                    "Download error, unable to download \(audioURL). Please make sure the file exists and is accessible from the internet.",
                    "audio_url \(audioURL) is not an upload_url this stand-in issued"
                )
            }
            let job = Job(
                id: UUID().uuidString.lowercased(), audioURL: audioURL, languageCode: languageCode as? String,
                speechModel: speechModel as? String, punctuate: (body["punctuate"] as? NSNumber)?.boolValue,
                formatText: (body["format_text"] as? NSNumber)?.boolValue, parameters: body.keys.sorted(), polls: 0, status: "queued",
                error: nil
            )
            recorded.jobs.append(job)
            return (.json(200, jobJSON(job, recorded: recorded)), notes)
        }

        private func poll(_ id: String, _ recorded: inout Recorded) -> (HTTPStandIn.Response, [String]) {
            guard let index = recorded.jobs.firstIndex(where: { $0.id == id }) else {
                return (Self.error(400, "Transcript lookup error, transcript id not found"), ["GET /v2/transcript/\(id): no such transcript"])
            }
            var notes: [String] = []
            var job = recorded.jobs[index]
            job.polls += 1
            if job.status != "completed", job.status != "error" {
                if job.polls >= pollsUntilDone {
                    job.error = finalFailure(job, recorded, notes: &notes)
                    job.status = job.error == nil ? "completed" : "error"
                } else {
                    job.status = job.polls == 1 && pollsUntilDone > 2 ? "queued" : "processing"
                }
            }
            recorded.jobs[index] = job
            return (.json(200, jobJSON(job, recorded: recorded)), notes)
        }

        /// The error a finishing job reports: the configured failure, or transcoding failing on non-audio.
        private func finalFailure(_ job: Job, _ recorded: Recorded, notes: inout [String]) -> String? {
            if let failure = recorded.failure { return failure }
            guard let upload = recorded.uploads.first(where: { $0.uploadURL == job.audioURL }) else { return Self.transcodingFailed }
            if case .failure(let problem) = AudioSniffing.sniff(upload.audio) {
                notes.append("job \(job.id): the uploaded bytes are not audio (\(problem.reason))")
                return Self.transcodingFailed
            }
            return nil
        }

        private func jobJSON(_ job: Job, recorded: Recorded) -> String {
            let language = jsonString(job.languageCode ?? "en_us")
            var fields = [
                "\"id\":\"\(job.id)\"", "\"status\":\"\(job.status)\"", "\"audio_url\":\(jsonString(job.audioURL))",
                "\"language_code\":\(language)", "\"speech_model\":\(job.speechModel.map(jsonString) ?? "null")",
                "\"punctuate\":\(job.punctuate ?? true)", "\"format_text\":\(job.formatText ?? true)",
            ]
            if job.status == "completed", let upload = recorded.uploads.first(where: { $0.uploadURL == job.audioURL }) {
                let duration: Double
                switch AudioSniffing.sniff(upload.audio) {
                case .success(let audio): duration = AudioSniffing.duration(of: audio, speaking: transcript)
                case .failure: duration = 0
                }
                let tokens = transcript.split(separator: " ").map { token -> String in
                    var word = String(token)
                    if job.punctuate == false { word = word.filter { $0.isLetter || $0.isNumber || $0 == "'" } }
                    if job.formatText == false { word = word.lowercased() }
                    return word
                }.filter { !$0.isEmpty }
                let slot = max(1, Int(duration * 1000) / max(1, tokens.count))
                let words = tokens.enumerated().map { index, word in
                    "{\"text\":\(jsonString(word)),\"start\":\(index * slot + slot / 10),\"end\":\((index + 1) * slot - slot / 10)"
                        + ",\"confidence\":0.98,\"speaker\":null}"
                }
                fields += [
                    "\"text\":\(jsonString(tokens.joined(separator: " ")))", "\"words\":[\(words.joined(separator: ","))]",
                    "\"confidence\":0.91", "\"audio_duration\":\(Int(duration.rounded()))",
                ]
            } else {
                fields += ["\"text\":null", "\"words\":null", "\"confidence\":null", "\"audio_duration\":null"]
            }
            if let error = job.error { fields.append("\"error\":\(jsonString(error))") }
            return "{\(fields.joined(separator: ","))}"
        }

        /// True for values JSONSerialization made from a JSON `true`/`false`: those are the boolean
        /// NSNumber (type "c") on both Darwin and Linux, while `1` is an integer one.
        private static func isBoolean(_ value: Any) -> Bool {
            guard let number = value as? NSNumber else { return false }
            return String(cString: number.objCType) == "c"
        }
    }
}
