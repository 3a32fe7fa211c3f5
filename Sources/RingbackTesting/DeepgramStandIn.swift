public import Foundation

/// A stand-in for Deepgram's pre-recorded `POST /v1/listen`.
///
/// Deepgram differs from the Whisper-style APIs in every place a client can
/// slip: options in the query, `Authorization: Token KEY` (Bearer is for
/// temporary JWTs only), and the audio as the RAW body with an audio
/// Content-Type, never multipart. Without `smart_format` or `punctuate` it
/// answers lowercase text without punctuation, as the real one does. The 401
/// body is the documented one; the wording of the 400s is approximate.
public final class DeepgramStandIn: Sendable {
    /// One request the stand-in accepted.
    public struct Upload: Sendable {
        /// The Content-Type header as sent.
        public let contentType: String?
        public let audio: Data
        /// Every query parameter as sent (percent-decoded).
        public let query: [String: String]
        /// The raw Authorization header.
        public let authorization: String?
        /// The request id the answer carried (metadata.request_id and the dg-request-id header).
        public let requestID: String

        public var model: String? { query["model"] }
        public var language: String? { query["language"] }
        public var smartFormat: Bool { query["smart_format"] == "true" }
        public var punctuate: Bool { query["punctuate"] == "true" }
    }

    public static let endpointPath = "/v1/listen"

    private let core: StandInCore<Upload, Void>

    public var baseURL: String { core.baseURL }
    public var url: String { core.baseURL + Self.endpointPath }

    /// Every accepted request, in order (not those answered by a scripted reply).
    public var received: [Upload] { core.received }

    /// Every contract deviation seen, in order, even when a scripted reply answered it.
    public var violations: [String] { core.violations }

    /// Every HTTP request that arrived, e.g. to count retries.
    public var requests: [HTTPStandIn.Request] { core.requests }

    /// - Parameter confidence: `results.channels[0].alternatives[0].confidence`, e.g. low to test a threshold.
    public init(
        apiKey: String = "dg-test", confidence: Double = 0.93,
        transcript: String = "Hi, this is Maria, please call me back about the leaking sink."
    ) throws {
        let contract = Contract(apiKey: apiKey, confidence: confidence, transcript: transcript)
        core = try StandInCore { contract.answer($0) }
    }

    /// Queues a reply used INSTEAD of the normal answer for the next request (FIFO),
    /// e.g. `.respond(.json(429, ...))` or `.reset` for failure tests.
    public func enqueue(_ reply: HTTPStandIn.Reply) {
        core.enqueue(reply)
    }

    public func stop() {
        core.stop()
    }
}

extension DeepgramStandIn {
    /// The rules, free of state so the request thread can apply them without a lock.
    private struct Contract: Sendable {
        let apiKey: String
        let confidence: Double
        let transcript: String

        static let booleanQuery = [
            "smart_format", "punctuate", "detect_language", "diarize", "utterances", "paragraphs", "numerals", "profanity_filter",
        ]
        static let corruptAudio = "Bad Request: failed to process audio: corrupt or unsupported data"
        /// Content-Types that name each container (parameters such as `;codecs=` are ignored).
        static let contentTypes: [AudioSniffing.Container: Set<String>] = [
            .wave: ["audio/wav", "audio/wave", "audio/x-wav", "audio/vnd.wave"],
            .flac: ["audio/flac", "audio/x-flac"],
            .mpeg: ["audio/mpeg", "audio/mp3", "audio/mpeg3", "audio/x-mpeg-3"],
            .adts: ["audio/aac", "audio/aacp"],
            .ogg: ["audio/ogg", "audio/opus", "application/ogg"],
            .mp4: ["audio/mp4", "audio/m4a", "audio/x-m4a", "video/mp4"],
            .webm: ["audio/webm", "video/webm"],
        ]
        /// Raw encodings for `encoding=`, with their bytes per sample.
        static let rawEncodings: [String: Int] = ["linear16": 2, "linear32": 4, "mulaw": 1, "alaw": 1, "flac": 2, "opus": 2]

        private struct Rejection: Error {
            let response: HTTPStandIn.Response
            let violation: String
        }

        /// The normal response, the upload if it was accepted, and the violations seen.
        func answer(_ request: HTTPStandIn.Request) -> (HTTPStandIn.Response, Upload?, [String]) {
            let requestID = UUID().uuidString.lowercased()
            var notes: [String] = []
            switch check(request, requestID: requestID, notes: &notes) {
            case .success(let (upload, channels, duration)):
                return (success(upload, channels: channels, duration: duration), upload, notes)
            case .failure(let rejection):
                var response = rejection.response
                response.headers.append(("dg-request-id", requestID))
                return (response, nil, notes + [rejection.violation])
            }
        }

        private func error(_ status: Int, _ code: String, _ message: String, _ requestID: String) -> HTTPStandIn.Response {
            .json(status, "{\"err_code\":\(jsonString(code)),\"err_msg\":\(jsonString(message)),\"request_id\":\"\(requestID)\"}")
        }

        private func check(
            _ request: HTTPStandIn.Request, requestID: String, notes: inout [String]
        ) -> Result<(Upload, Int, Double), Rejection> {
            /// The 400 Deepgram gives for any body it cannot turn into audio.
            func corrupt(_ violation: String) -> Result<(Upload, Int, Double), Rejection> {
                .failure(Rejection(response: error(400, "Bad Request", Self.corruptAudio, requestID), violation: violation))
            }
            guard request.path == DeepgramStandIn.endpointPath else {
                return .failure(
                    Rejection(
                        response: error(404, "NOT_FOUND", "Not Found", requestID),
                        violation: "\(request.method) \(request.path): Deepgram transcribes at POST /v1/listen"
                    ))
            }
            guard request.method == "POST" else {
                return .failure(
                    Rejection(
                        response: error(405, "METHOD_NOT_ALLOWED", "Method Not Allowed", requestID),
                        violation: "\(request.method) /v1/listen: only POST is allowed"
                    ))
            }
            let authorization = request.header("Authorization")
            let invalidAuth = error(401, "INVALID_AUTH", "Invalid credentials.", requestID)
            guard let authorization else {
                return .failure(Rejection(response: invalidAuth, violation: "no Authorization header"))
            }
            if authorization.lowercased().hasPrefix("bearer ") {
                return .failure(
                    Rejection(
                        response: invalidAuth, violation: "Authorization uses Bearer (for temporary JWTs); API keys go as \"Token KEY\""
                    ))
            }
            guard authorization.lowercased().hasPrefix("token "), authorization.dropFirst(6) == apiKey else {
                return .failure(Rejection(response: invalidAuth, violation: "wrong Authorization header \"\(authorization)\""))
            }

            for name in Self.booleanQuery {
                if let value = request.query[name], value != "true", value != "false" {
                    let message = "Bad Request: failed to parse query string: \(name): provided string was not `true` or `false`"
                    return .failure(
                        Rejection(
                            response: error(400, "Bad Request", message, requestID),
                            violation: "\(name)=\"\(value)\": Deepgram takes only true or false"
                        ))
                }
            }
            if request.query["model"] == nil {
                notes.append("no model= in the query (Deepgram falls back to its legacy base model)")
            }

            let contentType = request.header("Content-Type")
            let mediaType = contentType.map {
                ($0.split(separator: ";").first.map(String.init) ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            }
            if mediaType == "multipart/form-data" {
                return corrupt("multipart/form-data body: Deepgram takes the audio as the raw body")
            }
            if mediaType == "application/json" {
                return corrupt("JSON body (the remote-URL mode); the stand-in expects the audio as the raw body")
            }

            if let encoding = request.query["encoding"] {
                // Headerless audio: the query describes it, so nothing can be sniffed.
                if case .success(let audio) = AudioSniffing.sniff(request.body) {
                    notes.append("encoding=\(encoding) is for headerless audio, but the body is \(audio.description)")
                }
                guard let bytesPerSample = Self.rawEncodings[encoding],
                    let rate = request.query["sample_rate"].flatMap({ Int($0) }), rate > 0
                else {
                    return corrupt("encoding=\(encoding) needs a known encoding and a sample_rate")
                }
                let channels = request.query["channels"].flatMap { Int($0) } ?? 1
                let duration = Double(request.body.count) / Double(rate * bytesPerSample * max(1, channels))
                return .success((upload(request, authorization: authorization, requestID: requestID), channels, duration))
            }

            let audio: AudioSniffing.Audio
            switch AudioSniffing.sniff(request.body) {
            case .success(let sniffed):
                if sniffed.container == .wave, let tag = sniffed.waveFormatTag, ![1, 2, 3, 6, 7, 0x11].contains(tag) {
                    return corrupt("Deepgram cannot decode \(sniffed.description)")
                }
                audio = sniffed
            case .failure(let problem):
                return corrupt("undecodable audio: \(problem.reason)")
            }
            if let mediaType, !mediaType.isEmpty {
                if Self.contentTypes[audio.container]?.contains(mediaType) != true {
                    notes.append("Content-Type \"\(contentType ?? "")\" does not match the body, which is \(audio.description)")
                }
            } else {
                notes.append("no Content-Type header; Deepgram wants the audio type, e.g. audio/wav")
            }
            let duration = AudioSniffing.duration(of: audio, speaking: transcript)
            return .success((upload(request, authorization: authorization, requestID: requestID), audio.channels ?? 1, duration))
        }

        private func upload(_ request: HTTPStandIn.Request, authorization: String, requestID: String) -> Upload {
            Upload(
                contentType: request.header("Content-Type"), audio: request.body, query: request.query,
                authorization: authorization, requestID: requestID
            )
        }

        private func success(_ upload: Upload, channels: Int, duration: Double) -> HTTPStandIn.Response {
            let formatted = upload.smartFormat || upload.punctuate
            let tokens = transcript.split(separator: " ").map(String.init)
            let bare = tokens.map { $0.filter { $0.isLetter || $0.isNumber || $0 == "'" }.lowercased() }
            let text = formatted ? transcript : bare.filter { !$0.isEmpty }.joined(separator: " ")
            let slot = duration / Double(max(1, tokens.count))
            var words: [String] = []
            for (index, token) in tokens.enumerated() where !bare[index].isEmpty {
                let start = Self.rounded(Double(index) * slot + min(0.02, slot / 4))
                let end = Self.rounded(Double(index + 1) * slot - min(0.02, slot / 4))
                var word = "{\"word\":\(jsonString(bare[index])),\"start\":\(start),\"end\":\(end),\"confidence\":0.99"
                if formatted { word += ",\"punctuated_word\":\(jsonString(token))" }
                words.append(word + "}")
            }
            let model = upload.model ?? "base"
            let modelID = "1abfe86b-e047-4eed-858a-35e5625b41ee"
            let created = ISO8601DateFormatter().string(from: Date())
            var channel =
                "{\"alternatives\":[{\"transcript\":\(jsonString(text)),\"confidence\":\(confidence)"
                + ",\"words\":[\(words.joined(separator: ","))]}]"
            if upload.query["detect_language"] == "true" {
                channel += ",\"detected_language\":\"en\",\"language_confidence\":0.99"
            }
            channel += "}"
            let metadata =
                "{\"transaction_key\":\"deprecated\",\"request_id\":\"\(upload.requestID)\",\"created\":\"\(created)\""
                + ",\"duration\":\(duration),\"channels\":\(channels),\"models\":[\"\(modelID)\"]"
                + ",\"model_info\":{\"\(modelID)\":{\"name\":\(jsonString("general-" + model))"
                + ",\"version\":\"2025-01-01.0\",\"arch\":\(jsonString(model))}}}"
            var response = HTTPStandIn.Response.json(200, "{\"metadata\":\(metadata),\"results\":{\"channels\":[\(channel)]}}")
            response.headers.append(("dg-request-id", upload.requestID))
            return response
        }

        static func rounded(_ seconds: Double) -> Double {
            (seconds * 100).rounded() / 100
        }
    }
}
