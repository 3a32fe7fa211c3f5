public import Foundation

/// A stand-in for OpenAI's `POST /v1/audio/transcriptions` that enforces the
/// documented request contract.
///
/// Every deviation is answered the way the real API answers it *and* recorded
/// in `violations`, so a test can assert `violations.isEmpty` and get a precise
/// message instead of a vague 400 somewhere in the client's logs.
public final class OpenAITranscriptionStandIn: Sendable {
    /// One upload the stand-in accepted.
    public struct Upload: Sendable {
        public let model: String
        public let language: String?
        public let prompt: String?
        public let responseFormat: String?
        public let temperature: String?
        public let timestampGranularities: [String]
        public let filename: String
        public let contentType: String
        public let audio: Data
        /// The raw Authorization header, if any.
        public let authorization: String?
    }

    /// The documented upload limit (25 MiB).
    public static let maximumFileSize = 25 * 1024 * 1024
    public static let endpointPath = "/v1/audio/transcriptions"

    private let core: StandInCore<Upload, Void>

    public var baseURL: String { core.baseURL }
    public var url: String { core.baseURL + Self.endpointPath }

    /// Every accepted upload, in order (not those answered by a scripted reply).
    public var received: [Upload] { core.received }

    /// Every contract deviation seen, in order, even when a scripted reply answered it.
    public var violations: [String] { core.violations }

    /// Every HTTP request that arrived, e.g. to count retries.
    public var requests: [HTTPStandIn.Request] { core.requests }

    public init(apiKey: String? = "sk-test", transcript: String = "Hi, this is Maria, please call me back about the leaking sink.") throws {
        let contract = Contract(apiKey: apiKey, transcript: transcript)
        core = try StandInCore { contract.answer($0) }
    }

    /// Queues a reply used INSTEAD of the normal answer for the next request (FIFO),
    /// e.g. `.respond(.json(503, ...))` or `.reset` for failure tests.
    public func enqueue(_ reply: HTTPStandIn.Reply) {
        core.enqueue(reply)
    }

    public func stop() {
        core.stop()
    }
}

extension OpenAITranscriptionStandIn {
    /// The rules, free of state so the request thread can apply them without a lock.
    private struct Contract: Sendable {
        let apiKey: String?
        let transcript: String

        static let optionalFields: Set<String> = ["language", "prompt", "response_format", "temperature", "timestamp_granularities[]"]
        static let responseFormats = ["json", "text", "srt", "verbose_json", "vtt"]
        static let extensions = ["flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm"]
        static let invalidFormatMessage = "Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']"

        /// The normal response, the upload if it was accepted, and the violation if not.
        func answer(_ request: HTTPStandIn.Request) -> (HTTPStandIn.Response, Upload?, [String]) {
            switch check(request) {
            case .success(let (upload, duration)):
                return (success(upload, duration: duration), upload, [])
            case .failure(let rejection):
                return (rejection.response, nil, [rejection.violation])
            }
        }

        private struct Rejection: Error {
            let response: HTTPStandIn.Response
            let violation: String

            static func invalid(_ message: String, param: String?, violation: String? = nil) -> Rejection {
                Rejection(
                    response: .json(400, errorBody(message, param: param)),
                    violation: violation ?? message
                )
            }
        }

        private func check(_ request: HTTPStandIn.Request) -> Result<(Upload, Double), Rejection> {
            guard request.method == "POST", request.path == OpenAITranscriptionStandIn.endpointPath else {
                let message = "Invalid URL (\(request.method) \(request.path))"
                return .failure(Rejection(response: .json(404, Self.errorBody(message, param: nil)), violation: message))
            }
            let authorization = request.header("Authorization")
            if let apiKey {
                guard let authorization else {
                    let message =
                        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
                    return .failure(Rejection(response: .json(401, Self.errorBody(message, param: nil)), violation: "no Authorization header"))
                }
                let scheme = authorization.prefix(7)
                let key = authorization.dropFirst(7)
                guard scheme.lowercased() == "bearer ", key == apiKey else {
                    let message =
                        "Incorrect API key provided: \(Self.mask(String(key.isEmpty ? Substring(authorization) : key))). You can find your API key at https://platform.openai.com/account/api-keys."
                    let body = Self.errorBody(message, param: nil, code: "invalid_api_key")
                    return .failure(Rejection(response: .json(401, body), violation: "wrong Authorization header \"\(authorization)\""))
                }
            }
            let contentType = request.header("Content-Type") ?? ""
            guard contentType.lowercased().hasPrefix("multipart/form-data") else {
                return .failure(
                    .invalid(
                        "Invalid Content-Type header (\(contentType)), expected multipart/form-data. (HINT: If you're using curl, you can pass -H 'Content-Type: multipart/form-data')",
                        param: nil
                    ))
            }
            let form: MultipartForm
            do {
                form = try MultipartForm(body: request.body, contentType: contentType)
            } catch {
                return .failure(.invalid("Could not parse multipart form: \(error)", param: nil))
            }
            return checkFields(form, authorization: authorization)
        }

        private func checkFields(_ form: MultipartForm, authorization: String?) -> Result<(Upload, Double), Rejection> {
            var seen: Set<String> = []
            var fields: [String: String] = [:]
            for part in form.parts {
                guard part.name == "file" || part.name == "model" || Self.optionalFields.contains(part.name) else {
                    return .failure(.invalid("Unrecognized request argument supplied: \(part.name)", param: part.name))
                }
                guard part.name == "timestamp_granularities[]" || seen.insert(part.name).inserted else {
                    return .failure(.invalid("Duplicate parameter: '\(part.name)'.", param: part.name))
                }
                guard part.name != "file" else { continue }
                guard let value = String(validating: part.body, as: UTF8.self) else {
                    return .failure(.invalid("Parameter '\(part.name)' is not valid UTF-8.", param: part.name))
                }
                if part.filename != nil {
                    return .failure(.invalid("Parameter '\(part.name)' must be a plain field, not a file upload.", param: part.name))
                }
                fields[part.name] = value
            }
            guard let file = form.part("file") else {
                return .failure(.invalid("Missing required parameter: 'file'.", param: "file"))
            }
            guard let filename = file.filename, !filename.isEmpty else {
                return .failure(
                    .invalid(
                        "Missing required parameter: 'file' must be a file upload with a filename.", param: "file",
                        violation: "the file part has no filename in its Content-Disposition"
                    ))
            }
            guard let fileType = file.contentType, !fileType.isEmpty else {
                return .failure(.invalid("The 'file' part must have a Content-Type header.", param: "file"))
            }
            guard let model = fields["model"], !model.isEmpty else {
                return .failure(.invalid("Missing required parameter: 'model'.", param: "model"))
            }
            let format = fields["response_format"]
            if let format, !Self.responseFormats.contains(format) {
                return .failure(
                    .invalid(
                        "'\(format)' is not one of ['json', 'text', 'srt', 'verbose_json', 'vtt'] - 'response_format'",
                        param: "response_format"
                    ))
            }
            if let temperature = fields["temperature"] {
                guard let value = Double(temperature), (0...1).contains(value) else {
                    return .failure(.invalid("'\(temperature)' is not a number between 0 and 1 - 'temperature'", param: "temperature"))
                }
            }
            if let language = fields["language"] {
                guard (2...3).contains(language.count), language.allSatisfy({ $0.isASCII && $0.isLowercase }) else {
                    return .failure(
                        .invalid(
                            "Invalid language '\(language)'. Language parameter must be specified in ISO-639-1 format.",
                            param: "language"
                        ))
                }
            }
            let granularities = form.parts(named: "timestamp_granularities[]").map { String(decoding: $0.body, as: UTF8.self) }
            for granularity in granularities where granularity != "word" && granularity != "segment" {
                return .failure(.invalid("'\(granularity)' is not one of ['word', 'segment'] - 'timestamp_granularities'", param: "timestamp_granularities"))
            }
            if !granularities.isEmpty, format != "verbose_json" {
                return .failure(.invalid("timestamp_granularities requires response_format=verbose_json.", param: "timestamp_granularities"))
            }
            guard file.body.count <= OpenAITranscriptionStandIn.maximumFileSize else {
                let message = "Maximum content size limit (\(OpenAITranscriptionStandIn.maximumFileSize)) exceeded (\(file.body.count) bytes read)"
                return .failure(
                    Rejection(
                        response: .json(413, Self.errorBody(message, param: nil, type: "server_error")),
                        violation: "file is \(file.body.count) bytes, over the 25 MiB limit"
                    ))
            }
            let fileExtension = filename.split(separator: ".").count > 1 ? filename.split(separator: ".").last.map { $0.lowercased() } : nil
            guard let fileExtension, Self.extensions.contains(fileExtension) else {
                return .failure(
                    .invalid(
                        Self.invalidFormatMessage, param: nil,
                        violation: "file name \"\(filename)\" has no supported extension (the API picks the decoder by extension)"
                    ))
            }
            let duration: Double
            switch AudioSniffing.sniff(file.body) {
            case .success(let audio) where audio.container == .wave && ![1, 3, AudioSniffing.waveFormatExtensible].contains(audio.waveFormatTag ?? 0):
                let tag = audio.waveFormatTag ?? 0
                return .failure(
                    .invalid(
                        Self.invalidFormatMessage, param: nil,
                        violation: "undecodable audio in \"\(filename)\": WAV format tag \(tag) (\(AudioSniffing.waveTagName(tag))) is not PCM or IEEE float"))
            case .success(let audio):
                duration = audio.duration ?? 0
            case .failure(let problem):
                return .failure(.invalid(Self.invalidFormatMessage, param: nil, violation: "undecodable audio in \"\(filename)\": \(problem.reason)"))
            }
            let upload = Upload(
                model: model,
                language: fields["language"],
                prompt: fields["prompt"],
                responseFormat: format,
                temperature: fields["temperature"],
                timestampGranularities: granularities,
                filename: filename,
                contentType: fileType,
                audio: file.body,
                authorization: authorization
            )
            return .success((upload, duration))
        }

        private func success(_ upload: Upload, duration: Double) -> HTTPStandIn.Response {
            let text = jsonString(transcript)
            switch upload.responseFormat ?? "json" {
            case "text":
                return .text(200, transcript + "\n")
            case "srt":
                return .text(200, "1\n00:00:00,000 --> \(Self.timestamp(duration, separator: ","))\n\(transcript)\n\n")
            case "vtt":
                return .text(
                    200, "WEBVTT\n\n00:00:00.000 --> \(Self.timestamp(duration, separator: "."))\n\(transcript)\n\n", contentType: "text/vtt; charset=utf-8")
            case "verbose_json":
                let segment =
                    "{\"id\":0,\"seek\":0,\"start\":0.0,\"end\":\(duration),\"text\":\(text),\"tokens\":[],\"temperature\":0.0,\"avg_logprob\":-0.2,\"compression_ratio\":1.2,\"no_speech_prob\":0.01}"
                return .json(200, "{\"task\":\"transcribe\",\"language\":\"english\",\"duration\":\(duration),\"text\":\(text),\"segments\":[\(segment)]}")
            default:
                return .json(200, "{\"text\":\(text)}")
            }
        }

        static func errorBody(_ message: String, param: String?, type: String = "invalid_request_error", code: String? = nil) -> String {
            let param = param.map(jsonString) ?? "null"
            let code = code.map(jsonString) ?? "null"
            return "{\"error\":{\"message\":\(jsonString(message)),\"type\":\(jsonString(type)),\"param\":\(param),\"code\":\(code)}}"
        }

        /// Shows only the ends of a key, as the real API does.
        static func mask(_ key: String) -> String {
            guard key.count > 8 else { return key }
            return key.prefix(4) + String(repeating: "*", count: key.count - 8) + key.suffix(4)
        }

        static func timestamp(_ seconds: Double, separator: String) -> String {
            let millis = Int((seconds * 1000).rounded())
            let (hours, minutes, secs, rest) = (millis / 3_600_000, millis / 60_000 % 60, millis / 1000 % 60, millis % 1000)
            func pad(_ value: Int, _ width: Int) -> String {
                let digits = String(value)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            return "\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(secs, 2))\(separator)\(pad(rest, 3))"
        }
    }
}
