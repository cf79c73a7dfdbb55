/// When the clients try a call again: after a rate limit (429 / RESOURCE_EXHAUSTED), an
/// unavailable pool (503 / UNAVAILABLE) or a connection failure, waiting as long as the server
/// asked (`Retry-After`, else the exhausted `x-ratelimit-reset-*`), else a doubling backoff.
/// Signed requests are signed afresh for every attempt, with a new nonce.
public struct RetryPolicy: Sendable {
    /// Attempts after the first. Default 2; 0 turns retries off.
    public var maxRetries: Int
    /// The first backoff when the server asked for no wait; doubled each attempt. Default 250 ms.
    public var backoff: Duration
    /// The longest backoff. Default 8 s.
    public var maxBackoff: Duration
    /// The longest server-requested wait honoured; a longer one fails at once. Default 60 s.
    public var maxWait: Duration

    /// Creates a policy.
    public init(
        maxRetries: Int = 2,
        backoff: Duration = .milliseconds(250),
        maxBackoff: Duration = .seconds(8),
        maxWait: Duration = .seconds(60)
    ) {
        self.maxRetries = maxRetries
        self.backoff = backoff
        self.maxBackoff = maxBackoff
        self.maxWait = maxWait
    }

    /// Two retries, 250 ms backoff, waits of up to a minute.
    public static var defaults: RetryPolicy { RetryPolicy() }
    /// No retries.
    public static var none: RetryPolicy { RetryPolicy(maxRetries: 0) }

    /// The wait before attempt `attempt + 1` (attempts count from 0) after `error`, or `nil` to give up.
    public func delay(attempt: Int, after error: LLMPoolClientError) -> Duration? {
        guard attempt < maxRetries else { return nil }
        switch error.code {
        case .resourceExhausted, .unavailable, .transport: break
        default: return nil
        }
        if let requested = error.retryAfter { return requested <= maxWait ? requested : nil }
        return min(maxBackoff, backoff * (1 << min(attempt, 20)))
    }
}
