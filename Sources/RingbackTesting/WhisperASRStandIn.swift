public import Foundation

/// A stand-in for ahmetoner/whisper-asr-webservice (`POST /asr`).
///
/// It follows app/webservice.py and app/utils.py: options in the QUERY, the
/// audio in the multipart field `audio_file`, no auth, FastAPI on pydantic 1
/// (422 `{"detail":[...]}` for validation), Starlette's plain-text 500 for
/// anything that raises (ffmpeg failing, an unknown task or language), and every
/// success, JSON included, served as `text/plain; charset=utf-8`.
public final class WhisperASRStandIn: Sendable {
    /// One upload the stand-in accepted.
    public struct Upload: Sendable {
        public let filename: String
        /// The `audio_file` part's own Content-Type, if it had one (the server ignores it).
        public let contentType: String?
        public let audio: Data
        /// Every query parameter as sent (percent-decoded), including ones the server ignores.
        public let query: [String: String]
        /// `encode` as the server parsed it (default true: decode through ffmpeg).
        public let encode: Bool

        public var task: String { query["task"] ?? "transcribe" }
        public var language: String? { query["language"].flatMap { $0.isEmpty ? nil : $0 } }
        public var output: String { query["output"] ?? "txt" }
        public var initialPrompt: String? { query["initial_prompt"] }
    }

    public static let endpointPath = "/asr"

    private let core: StandInCore<Upload, Void>

    public var baseURL: String { core.baseURL }
    public var url: String { core.baseURL + Self.endpointPath }

    /// Every accepted upload, in order (not those answered by a scripted reply).
    public var received: [Upload] { core.received }

    /// Every contract deviation seen, in order, even when a scripted reply answered it.
    public var violations: [String] { core.violations }

    /// Every HTTP request that arrived, e.g. to count retries.
    public var requests: [HTTPStandIn.Request] { core.requests }

    /// - Parameter engine: the `ASR_ENGINE` the server reports in its `Asr-Engine` header.
    public init(
        engine: String = "openai_whisper",
        transcript: String = "Hi, this is Maria, please call me back about the leaking sink."
    ) throws {
        let contract = Contract(engine: engine, transcript: transcript)
        core = try StandInCore { contract.answer($0) }
    }

    /// Queues a reply used INSTEAD of the normal answer for the next request (FIFO),
    /// e.g. `.respond(.text(500, "Internal Server Error"))` or `.reset` for failure tests.
    public func enqueue(_ reply: HTTPStandIn.Reply) {
        core.enqueue(reply)
    }

    public func stop() {
        core.stop()
    }
}
