/// An engine that did not produce a transcript, with the endpoint, the status and the server's own message.
public struct TranscriptionError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Could not connect, timed out, reset.
        case transport = "transcription.transport"
        /// The server answered with an error status.
        case rejected = "transcription.rejected"
        /// A 2xx whose body is not a transcript.
        case unparseable = "transcription.unparseable"
        /// The audio could not be prepared for this engine.
        case preparation = "transcription.preparation"
        /// Stopped because Ringback is shutting down; the voicemail is taken up again at the next start.
        case cancelled = "transcription.cancelled"
    }

    public var code: Code
    public var engine: String
    public var url: String?
    public var status: Int?
    public var message: String
    /// The server's `Retry-After`, honoured as the least wait before the next try.
    public var retryAfter: Duration?
    /// Set by the chain: how many engines failed before it gave up (this error is the last one's).
    public var enginesFailed = 1

    public init(code: Code, engine: String, url: String? = nil, status: Int? = nil, message: String, retryAfter: Duration? = nil) {
        self.code = code
        self.engine = engine
        self.url = url
        self.status = status
        self.message = message
        self.retryAfter = retryAfter
    }

    /// Worth trying again later: the network or the server's load, not the request.
    public var isTransient: Bool {
        switch code {
        case .transport: true
        // A 429 that says the quota is spent will not get better by asking again.
        case .rejected where status == 429: !message.lowercased().contains("quota")
        case .rejected: status.map { $0 == 408 || $0 >= 500 } ?? false
        case .unparseable, .preparation, .cancelled: false
        }
    }

    /// Why there is no transcript, in words for the owner reading the card: no URLs, no status codes.
    public var plainReason: String {
        enginesFailed > 1 ? "all \(enginesFailed) transcription engines failed, the last because \(reason)" : reason
    }

    private var reason: String {
        let service = "the transcription service (\(engine))"
        switch code {
        case .transport:
            return "\(service) could not be reached"
        case .preparation:
            return "the recording could not be prepared for \(service)"
        case .cancelled:
            return "Ringback was stopped while \(service) was working"
        case .unparseable:
            return "\(service) sent an answer Ringback could not read"
        case .rejected:
            switch status ?? 0 {
            case 401, 403: return "\(service) refused Ringback's credentials"
            case 429: return "\(service) is over its quota or rate limit"
            case 413: return "the recording is too large for \(service)"
            case 400, 415, 422: return "\(service) could not read the recording"
            case 500...: return "\(service) had an internal error"
            default: return "\(service) turned the request down"
            }
        }
    }

    public var description: String {
        var text = "\(engine)"
        if let url { text += " at \(url)" }
        if let status { text += " answered \(status)" }
        return "\(text): \(message)"
    }
}
