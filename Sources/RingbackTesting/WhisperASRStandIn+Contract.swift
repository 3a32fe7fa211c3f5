import Foundation

extension WhisperASRStandIn {
    /// The rules, free of state so the request thread can apply them without a lock.
    struct Contract: Sendable {
        let engine: String
        let transcript: String

        static let outputs: Set<String> = ["txt", "vtt", "srt", "tsv", "json"]
        static let booleanQuery = ["encode", "vad_filter", "word_timestamps", "diarize"]
        static let integerQuery = ["min_speakers", "max_speakers"]
        /// pydantic 1's bool parsing, compared case-insensitively.
        static let trueWords: Set<String> = ["1", "on", "t", "true", "y", "yes"]
        static let falseWords: Set<String> = ["0", "off", "f", "false", "n", "no"]

        /// One entry of FastAPI's (pydantic 1) 422 `detail` list.
        private struct ValidationProblem {
            let location: [String]
            let message: String
            let type: String
            let violation: String

            var json: String {
                let location = self.location.map(jsonString).joined(separator: ",")
                return "{\"loc\":[\(location)],\"msg\":\(jsonString(message)),\"type\":\(jsonString(type))}"
            }
        }

        private struct Rejection: Error {
            let response: HTTPStandIn.Response
            let violation: String

            /// What Starlette answers when the endpoint raises.
            static func internalError(_ violation: String) -> Rejection {
                Rejection(response: .text(500, "Internal Server Error"), violation: violation)
            }
        }

        /// The normal response, the upload if it was accepted, and the violations seen.
        func answer(_ request: HTTPStandIn.Request) -> (HTTPStandIn.Response, Upload?, [String]) {
            var notes: [String] = []
            switch check(request, notes: &notes) {
            case .success(let (upload, duration)):
                return (success(upload, duration: duration), upload, notes)
            case .failure(let rejection):
                return (rejection.response, nil, notes + [rejection.violation])
            }
        }

        private func check(_ request: HTTPStandIn.Request, notes: inout [String]) -> Result<(Upload, Double), Rejection> {
            guard request.path == WhisperASRStandIn.endpointPath else {
                return .failure(
                    Rejection(
                        response: .json(404, "{\"detail\":\"Not Found\"}"),
                        violation: "\(request.method) \(request.path): the service serves POST /asr"
                    ))
            }
            guard request.method == "POST" else {
                return .failure(
                    Rejection(
                        response: .json(405, "{\"detail\":\"Method Not Allowed\"}"), violation: "\(request.method) /asr: only POST is allowed"
                    ))
            }

            // FastAPI validates every parameter, then answers all problems in one 422: query first, then body.
            var problems: [ValidationProblem] = []
            var encode = true
            for name in Self.booleanQuery {
                guard let value = request.query[name] else { continue }
                if Self.trueWords.contains(value.lowercased()) {
                    if name == "encode" { encode = true }
                } else if Self.falseWords.contains(value.lowercased()) {
                    if name == "encode" { encode = false }
                } else {
                    problems.append(
                        ValidationProblem(
                            location: ["query", name], message: "value could not be parsed to a boolean", type: "type_error.bool",
                            violation: "\(name)=\"\(value)\" is not a boolean"
                        ))
                }
            }
            for name in Self.integerQuery {
                guard let value = request.query[name] else { continue }
                if Int(value.trimmingCharacters(in: .whitespaces)) == nil {
                    problems.append(
                        ValidationProblem(
                            location: ["query", name], message: "value is not a valid integer", type: "type_error.integer",
                            violation: "\(name)=\"\(value)\" is not an integer"
                        ))
                }
            }

            let contentType = request.header("Content-Type") ?? ""
            var file: MultipartForm.Part?
            if contentType.lowercased().hasPrefix("multipart/form-data") {
                do {
                    file = try MultipartForm(body: request.body, contentType: contentType).part("audio_file")
                } catch {
                    let body = "{\"detail\":\"There was an error parsing the body\"}"
                    return .failure(Rejection(response: .json(400, body), violation: "\(error)"))
                }
            }
            if let file, file.filename == nil {
                problems.append(
                    ValidationProblem(
                        location: ["body", "audio_file"], message: "Expected UploadFile, received: <class 'str'>", type: "value_error",
                        violation: "the audio_file part has no filename, so FastAPI does not see an upload"
                    ))
            } else if file == nil {
                let why =
                    contentType.lowercased().hasPrefix("multipart/form-data")
                    ? "no audio_file field in the form"
                    : "Content-Type \"\(contentType)\" is not multipart/form-data, so there is no audio_file field"
                problems.append(
                    ValidationProblem(
                        location: ["body", "audio_file"], message: "field required", type: "value_error.missing", violation: why
                    ))
            }
            if !problems.isEmpty {
                let detail = problems.map(\.json)
                return .failure(
                    Rejection(
                        response: .json(422, "{\"detail\":[\(detail.joined(separator: ","))]}"),
                        violation: problems.map(\.violation).joined(separator: "; ")
                    ))
            }
            guard let file, let filename = file.filename else {
                return .failure(.internalError("unreachable: audio_file vanished after validation"))
            }

            // The query's `enum=` lists only document; bad values reach whisper, which raises.
            let task = request.query["task"] ?? "transcribe"
            guard task == "transcribe" || task == "translate" else {
                return .failure(.internalError("task \"\(task)\" is not transcribe or translate (whisper raises, the server answers 500)"))
            }
            if let language = request.query["language"]?.lowercased(), !language.isEmpty,
                WhisperCppStandIn.languages[language] == nil, !WhisperCppStandIn.languages.values.contains(language)
            {
                return .failure(.internalError("language \"\(language)\" is not a whisper language code (whisper raises, the server answers 500)"))
            }
            if let output = request.query["output"], !Self.outputs.contains(output) {
                notes.append("output \"\(output)\" is not one of txt, vtt, srt, tsv, json (the server silently answers txt)")
            }

            let duration: Double
            if encode {
                switch AudioSniffing.sniff(file.body) {
                case .success(let audio):
                    duration = AudioSniffing.duration(of: audio, speaking: transcript)
                case .failure(let problem):
                    return .failure(.internalError("ffmpeg cannot decode the upload: \(problem.reason)"))
                }
            } else {
                if case .success(let audio) = AudioSniffing.sniff(file.body) {
                    notes.append("encode=false but the upload is \(audio.description): the server reads it as raw 16 kHz s16le PCM, header and all")
                }
                guard file.body.count.isMultiple(of: 2) else {
                    return .failure(.internalError("encode=false with \(file.body.count) bytes: numpy cannot read an odd byte count as int16"))
                }
                duration = Double(file.body.count) / 32000
            }
            let upload = Upload(filename: filename, contentType: file.contentType, audio: file.body, query: request.query, encode: encode)
            return .success((upload, duration))
        }

        private func success(_ upload: Upload, duration: Double) -> HTTPStandIn.Response {
            let text = transcript.trimmingCharacters(in: .whitespaces)
            let output = upload.query["output"] ?? "txt"
            let body: String
            switch output {
            case "json":
                // openai-whisper's WriteJSON is a bare json.dump: ", " and ": " separators, ASCII only.
                let segment =
                    "{\"id\": 0, \"seek\": 0, \"start\": 0.0, \"end\": \(duration), \"text\": \(Self.pythonJSONString(" " + text)), "
                    + "\"tokens\": [50364, 2421, 11, 50464], \"temperature\": 0.0, \"avg_logprob\": -0.3, "
                    + "\"compression_ratio\": 1.1, \"no_speech_prob\": 0.05}"
                let language = Self.pythonJSONString(upload.language ?? "en")
                body = "{\"text\": \(Self.pythonJSONString(" " + text)), \"segments\": [\(segment)], \"language\": \(language)}"
            case "vtt":
                let end = Self.timestamp(duration, hours: false, marker: ".")
                body = "WEBVTT\n\n\(Self.timestamp(0, hours: false, marker: ".")) --> \(end)\n\(text)\n\n"
            case "srt":
                body = "1\n\(Self.timestamp(0, hours: true, marker: ",")) --> \(Self.timestamp(duration, hours: true, marker: ","))\n\(text)\n\n"
            case "tsv":
                body = "start\tend\ttext\n0\t\(Int((duration * 1000).rounded()))\t\(text.replacingOccurrences(of: "\t", with: " "))\n"
            default:
                body = text + "\n"
            }
            return HTTPStandIn.Response(
                status: 200,
                headers: [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Asr-Engine", engine),
                    ("Content-Disposition", "attachment; filename=\"\(Self.pythonQuote(upload.filename)).\(output)\""),
                ],
                body: Data(body.utf8)
            )
        }

        /// whisper's format_timestamp: hours only when asked for or non-zero.
        static func timestamp(_ seconds: Double, hours alwaysHours: Bool, marker: String) -> String {
            let millis = Int((seconds * 1000).rounded())
            func pad(_ value: Int, _ width: Int) -> String {
                let digits = String(value)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            let hours = millis / 3_600_000
            let prefix = alwaysHours || hours > 0 ? "\(pad(hours, 2)):" : ""
            return "\(prefix)\(pad(millis / 60_000 % 60, 2)):\(pad(millis / 1000 % 60, 2))\(marker)\(pad(millis % 1000, 3))"
        }

        /// urllib.parse.quote: everything but letters, digits, "_.-~" and "/" percent-encoded as UTF-8.
        static func pythonQuote(_ text: String) -> String {
            var out = ""
            for byte in text.utf8 {
                let scalar = Unicode.Scalar(byte)
                if byte < 0x80, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "_.-~/".unicodeScalars.contains(scalar) {
                    out.unicodeScalars.append(scalar)
                } else {
                    let hex = String(byte, radix: 16, uppercase: true)
                    out += "%" + (hex.count == 1 ? "0" : "") + hex
                }
            }
            return out
        }

        /// json.dumps with ensure_ascii: non-ASCII as \uXXXX (UTF-16 units).
        static func pythonJSONString(_ text: String) -> String {
            var out = ""
            for unit in jsonString(text).utf16 {
                if unit < 0x80 {
                    out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
                } else {
                    let hex = String(unit, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
            }
            return out
        }
    }
}
