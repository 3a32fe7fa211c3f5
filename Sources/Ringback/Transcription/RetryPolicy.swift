/// How often a transient failure (connect, timeout, 5xx, 429) is tried again, and how long to wait between tries.
public struct RetryPolicy: Sendable, Equatable {
    /// Tries per engine, the first included.
    public var attempts: Int
    /// The first delay; each later one doubles.
    public var backoff: Duration
    /// No delay is longer than this, whatever the server's `Retry-After` asks.
    public var maximumDelay: Duration

    public init(attempts: Int = 4, backoff: Duration = .seconds(2), maximumDelay: Duration = .seconds(60)) {
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.maximumDelay = maximumDelay
    }

    /// One try, no waiting.
    public static let once = RetryPolicy(attempts: 1, backoff: .zero)

    /// The wait after failed try number `attempt` (1-based): doubling with ±20 % jitter, at least `Retry-After`.
    public func delay(after attempt: Int, retryAfter: Duration?) -> Duration {
        let doubled = backoff * (1 << min(attempt - 1, 20))
        let jittered = doubled * Double.random(in: 0.8...1.2)
        return min(max(jittered, retryAfter ?? .zero), maximumDelay)
    }
}
