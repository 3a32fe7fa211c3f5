import Foundation

extension AssemblyAIStandIn {
    /// What AssemblyAI keeps beyond the uploads; the contract changes it under the core's lock.
    struct Session: Sendable {
        var baseURL = ""
        var failure: String?
        var jobs: [Job] = []
        var pollTimes: [ContinuousClock.Instant] = []
    }

    typealias Recorded = StandInCore<Upload, Session>.Recorded

    /// The rules; the state they read and change is passed in, already under the lock.
    struct Contract: Sendable {
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
