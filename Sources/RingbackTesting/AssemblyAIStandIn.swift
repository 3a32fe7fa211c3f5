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
        public internal(set) var polls: Int
        /// queued, processing, completed or error, as last reported.
        public internal(set) var status: String
        /// The message of a job that ended in `error`.
        public internal(set) var error: String?
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
