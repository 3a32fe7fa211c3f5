public import Foundation

/// A stand-in for whisper.cpp's `server` example (`POST /inference`).
///
/// It follows examples/server/server.cpp: a multipart `file` field, no auth,
/// audio decoded in-process by miniaudio (PCM, float, A-law, µ-law and ADPCM
/// WAV, FLAC, MP3, Ogg Vorbis: no GSM, no Opus, no AAC unless the server runs
/// with `--convert`). Its httplib error handler turns EVERY 400 into the
/// text/plain body `Invalid request`, so a client cannot tell a missing field
/// from undecodable audio by the body; `violations` says which it was.
public final class WhisperCppStandIn: Sendable {
    /// One upload the stand-in accepted.
    public struct Upload: Sendable {
        public let filename: String?
        /// The `file` part's own Content-Type, if it had one (the server ignores it).
        public let contentType: String?
        public let audio: Data
        /// Every other form field by name (the first one wins, as httplib's get_file_value), including ones
        /// the server ignores, e.g. `model`.
        public let fields: [String: String]

        public var responseFormat: String? { fields["response_format"] }
        public var language: String? { fields["language"] }
        public var prompt: String? { fields["prompt"] }
        public var temperature: String? { fields["temperature"] }
    }

    public static let defaultPath = "/inference"

    /// The body httplib's error handler substitutes for every 400.
    public static let badRequestBody = "Invalid request"

    public let path: String
    private let core: StandInCore<Upload, Void>

    public var baseURL: String { core.baseURL }
    public var url: String { core.baseURL + path }

    /// Every accepted upload, in order (not those answered by a scripted reply).
    public var received: [Upload] { core.received }

    /// Every contract deviation seen, in order, even when a scripted reply answered it.
    public var violations: [String] { core.violations }

    /// Every HTTP request that arrived, e.g. to count retries.
    public var requests: [HTTPStandIn.Request] { core.requests }

    /// - Parameter path: the server's `--inference-path` (with any `--request-path` prefix).
    public init(
        path: String = WhisperCppStandIn.defaultPath,
        transcript: String = "Hi, this is Maria, please call me back about the leaking sink."
    ) throws {
        let contract = Contract(path: path, transcript: transcript)
        core = try StandInCore { contract.answer($0) }
        self.path = path
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

extension WhisperCppStandIn {
    /// whisper.cpp's language table (src/whisper.cpp `g_lang`): code to the full name verbose_json reports.
    static let languages: [String: String] = [
        "en": "english", "zh": "chinese", "de": "german", "es": "spanish", "ru": "russian", "ko": "korean",
        "fr": "french", "ja": "japanese", "pt": "portuguese", "tr": "turkish", "pl": "polish", "ca": "catalan",
        "nl": "dutch", "ar": "arabic", "sv": "swedish", "it": "italian", "id": "indonesian", "hi": "hindi",
        "fi": "finnish", "vi": "vietnamese", "he": "hebrew", "uk": "ukrainian", "el": "greek", "ms": "malay",
        "cs": "czech", "ro": "romanian", "da": "danish", "hu": "hungarian", "ta": "tamil", "no": "norwegian",
        "th": "thai", "ur": "urdu", "hr": "croatian", "bg": "bulgarian", "lt": "lithuanian", "la": "latin",
        "mi": "maori", "ml": "malayalam", "cy": "welsh", "sk": "slovak", "te": "telugu", "fa": "persian",
        "lv": "latvian", "bn": "bengali", "sr": "serbian", "az": "azerbaijani", "sl": "slovenian", "kn": "kannada",
        "et": "estonian", "mk": "macedonian", "br": "breton", "eu": "basque", "is": "icelandic", "hy": "armenian",
        "ne": "nepali", "mn": "mongolian", "bs": "bosnian", "kk": "kazakh", "sq": "albanian", "sw": "swahili",
        "gl": "galician", "mr": "marathi", "pa": "punjabi", "si": "sinhala", "km": "khmer", "sn": "shona",
        "yo": "yoruba", "so": "somali", "af": "afrikaans", "oc": "occitan", "ka": "georgian", "be": "belarusian",
        "tg": "tajik", "sd": "sindhi", "gu": "gujarati", "am": "amharic", "yi": "yiddish", "lo": "lao",
        "uz": "uzbek", "fo": "faroese", "ht": "haitian creole", "ps": "pashto", "tk": "turkmen", "nn": "nynorsk",
        "mt": "maltese", "sa": "sanskrit", "lb": "luxembourgish", "my": "myanmar", "bo": "tibetan", "tl": "tagalog",
        "mg": "malagasy", "as": "assamese", "tt": "tatar", "haw": "hawaiian", "ln": "lingala", "ha": "hausa",
        "ba": "bashkir", "jw": "javanese", "su": "sundanese", "yue": "cantonese",
    ]

    /// The rules, free of state so the request thread can apply them without a lock.
    private struct Contract: Sendable {
        let path: String
        let transcript: String

        static let responseFormats: Set<String> = ["json", "text", "srt", "verbose_json", "vtt"]
        /// Read with std::stoi / std::stof: a value without a leading number throws, and the
        /// exception handler answers 500 "500 Internal Server Error\n<function>".
        static let integerFields: Set<String> = [
            "offset_t", "offset_n", "duration", "max_context", "max_len", "best_of", "beam_size", "vad_speech_pad_ms",
        ]
        static let floatFields: Set<String> = [
            "audio_ctx", "word_thold", "entropy_thold", "logprob_thold", "no_speech_thold", "temperature", "temperature_inc",
            "vad_threshold", "vad_min_speech_duration_ms", "vad_min_silence_duration_ms", "vad_max_speech_duration_s",
            "vad_samples_overlap",
        ]
        /// parse_str_to_bool: only "true", "1", "yes", "y" are true; anything else (even "True") is false.
        static let booleanFields: Set<String> = [
            "debug_mode", "translate", "diarize", "tinydiarize", "split_on_word", "no_timestamps", "token_timestamps",
            "detect_language", "carry_initial_prompt", "suppress_non_speech", "suppress_nst", "vad", "no_language_probabilities",
        ]

        private struct Rejection: Error {
            let response: HTTPStandIn.Response
            let violation: String

            static func badRequest(_ violation: String) -> Rejection {
                Rejection(response: .text(400, WhisperCppStandIn.badRequestBody, contentType: "text/plain"), violation: violation)
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
            guard request.path == path, request.method == "POST" else {
                let message = "\(request.method) \(request.path): whisper.cpp serves POST \(path)"
                return .failure(Rejection(response: .text(404, "File Not Found (\(request.path))", contentType: "text/plain"), violation: message))
            }
            let contentType = request.header("Content-Type") ?? ""
            guard contentType.lowercased().hasPrefix("multipart/form-data") else {
                return .failure(.badRequest("Content-Type \"\(contentType)\" is not multipart/form-data, so the server sees no 'file' field"))
            }
            let form: MultipartForm
            do {
                form = try MultipartForm(body: request.body, contentType: contentType)
            } catch {
                return .failure(.badRequest("\(error)"))
            }
            guard let file = form.part("file") else {
                return .failure(.badRequest("no 'file' field in the request"))
            }
            var fields: [String: String] = [:]
            for part in form.parts where part.name != "file" && fields[part.name] == nil {
                fields[part.name] = String(decoding: part.body, as: UTF8.self)
            }
            for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                if Self.integerFields.contains(name) || Self.floatFields.contains(name), !Self.hasLeadingNumber(value) {
                    let function = Self.integerFields.contains(name) ? "stoi" : "stof"
                    return .failure(
                        Rejection(
                            response: .text(500, "500 Internal Server Error\n\(function)", contentType: "text/plain"),
                            violation: "\(name)=\"\(value)\" is not a number (std::\(function) throws, the server answers 500)"
                        ))
                }
                if Self.booleanFields.contains(name), !["true", "1", "yes", "y", "false", "0", "no", "n"].contains(value) {
                    notes.append("\(name)=\"\(value)\" is read as false: only true, 1, yes and y count as true")
                }
            }
            if let format = fields["response_format"], !Self.responseFormats.contains(format) {
                notes.append("response_format \"\(format)\" is not one of json, text, srt, verbose_json, vtt (the server silently answers json)")
            }
            let audio: AudioSniffing.Audio
            switch AudioSniffing.sniff(file.body) {
            case .success(let sniffed):
                if let reason = Self.undecodable(sniffed) {
                    return .failure(.badRequest("miniaudio cannot decode \(sniffed.description): \(reason)"))
                }
                audio = sniffed
            case .failure(let problem):
                return .failure(.badRequest("undecodable audio: \(problem.reason)"))
            }
            if let language = fields["language"], language != "auto", Self.languageName(language) == nil {
                return .failure(
                    Rejection(
                        response: .json(500, "{\"error\":\"failed to process audio\"}"),
                        violation: "language \"\(language)\" is not a whisper language code (whisper_full fails, the server answers 500)"
                    ))
            }
            let upload = Upload(filename: file.filename, contentType: file.contentType, audio: file.body, fields: fields)
            return .success((upload, AudioSniffing.duration(of: audio, speaking: transcript)))
        }

        /// Why miniaudio (as built into whisper.cpp's examples) refuses this, or nil if it decodes it.
        private static func undecodable(_ audio: AudioSniffing.Audio) -> String? {
            switch audio.container {
            case .wave:
                let tag = audio.waveFormatTag ?? 0
                guard [1, 2, 3, 6, 7, 0x11].contains(tag) else {
                    return "dr_wav reads PCM, IEEE float, A-law, µ-law and ADPCM only (start the server with --convert for others)"
                }
                guard (audio.bitsPerSample ?? 0) > 0, (audio.channels ?? 0) > 0, (audio.sampleRate ?? 0) > 0 else {
                    return "the fmt chunk has zero bits per sample, channels or sample rate"
                }
                return nil
            case .flac, .mpeg:
                return nil
            case .ogg:
                return audio.oggCodec == "vorbis" ? nil : "only Ogg Vorbis is built in (stb_vorbis)"
            case .adts, .mp4, .webm:
                return "no built-in decoder (start the server with --convert)"
            }
        }

        static func languageName(_ language: String) -> String? {
            if let name = WhisperCppStandIn.languages[language] { return name }
            return WhisperCppStandIn.languages.values.contains(language) ? language : nil
        }

        /// What strtof/strtol accept as a start: optional space and sign, then a digit (or "." digit, inf, nan).
        static func hasLeadingNumber(_ value: String) -> Bool {
            var rest = Substring(value).drop { $0 == " " || $0 == "\t" || $0 == "\n" }
            if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
            if rest.first?.isASCII == true, rest.first?.isNumber == true { return true }
            if rest.first == ".", let next = rest.dropFirst().first, next.isASCII, next.isNumber { return true }
            let lowered = rest.lowercased()
            return lowered.hasPrefix("inf") || lowered.hasPrefix("nan")
        }

        private func success(_ upload: Upload, duration: Double) -> HTTPStandIn.Response {
            // Segment text from whisper.cpp starts with a space; output_str ends each segment with "\n".
            let segment = " " + transcript
            let text = segment + "\n"
            let end = (duration * 100).rounded() / 100  // whisper timestamps are centiseconds
            switch upload.responseFormat ?? "json" {
            case "text":
                return .text(200, text, contentType: "text/html; charset=utf-8")
            case "srt":
                return .text(200, "1\n00:00:00,000 --> \(Self.timestamp(end, comma: true))\n\(segment)\n\n", contentType: "application/x-subrip")
            case "vtt":
                return .text(200, "WEBVTT\n\n00:00:00.000 --> \(Self.timestamp(end, comma: false))\n\(segment)\n\n", contentType: "text/vtt")
            case "verbose_json":
                return .json(200, verboseJSON(upload, segment: segment, text: text, duration: duration, end: end))
            default:
                return .json(200, "{\"text\":\(jsonString(text))}")
            }
        }

        private func verboseJSON(_ upload: Upload, segment: String, text: String, duration: Double, end: Double) -> String {
            let translate = ["true", "1", "yes", "y"].contains(upload.fields["translate"] ?? "")
            let noTimestamps = ["true", "1", "yes", "y"].contains(upload.fields["no_timestamps"] ?? "")
            let requested = upload.language.flatMap { $0 == "auto" ? nil : Self.languageName($0) }
            let language = jsonString(requested ?? "english")
            let words = segment.split(separator: " ").map { " " + $0 }
            var tokens: [String] = []
            var wordObjects: [String] = []
            for (index, word) in words.enumerated() {
                tokens.append(String(1000 + index))
                var object = "{\"word\":\(jsonString(word))"
                if !noTimestamps {
                    let start = end * Double(index) / Double(max(1, words.count))
                    let stop = end * Double(index + 1) / Double(max(1, words.count))
                    object += ",\"start\":\(Self.centiseconds(start)),\"end\":\(Self.centiseconds(stop)),\"t_dtw\":-1"
                }
                wordObjects.append(object + ",\"probability\":0.9}")
            }
            var segmentObject = "{\"id\":0,\"text\":\(jsonString(segment))"
            if !noTimestamps { segmentObject += ",\"start\":0.0,\"end\":\(end)" }
            segmentObject += ",\"tokens\":[\(tokens.joined(separator: ","))],\"words\":[\(wordObjects.joined(separator: ","))]"
            segmentObject += ",\"temperature\":0.0,\"avg_logprob\":-0.25,\"no_speech_prob\":0.02}"
            return "{\"task\":\"\(translate ? "translate" : "transcribe")\",\"language\":\(language),\"duration\":\(duration)"
                + ",\"text\":\(jsonString(text)),\"segments\":[\(segmentObject)]"
                + ",\"detected_language\":\(language),\"detected_language_probability\":0.97"
                + ",\"language_probabilities\":{\"en\":0.97}}"
        }

        static func centiseconds(_ seconds: Double) -> Double {
            (seconds * 100).rounded() / 100
        }

        /// whisper.cpp's to_timestamp: always hours, then "," for SRT or "." for VTT.
        static func timestamp(_ seconds: Double, comma: Bool) -> String {
            let millis = Int((seconds * 1000).rounded())
            func pad(_ value: Int, _ width: Int) -> String {
                let digits = String(value)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            let clock = "\(pad(millis / 3_600_000, 2)):\(pad(millis / 60_000 % 60, 2)):\(pad(millis / 1000 % 60, 2))"
            return clock + (comma ? "," : ".") + pad(millis % 1000, 3)
        }
    }
}
