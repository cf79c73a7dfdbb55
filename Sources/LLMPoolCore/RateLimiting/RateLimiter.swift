/// The limits that apply to one tenant.
public struct RateLimit: Sendable, Hashable {
    /// Requests allowed per minute; `nil` means unlimited.
    public var requestsPerMinute: Int?
    /// Tokens (input + output) allowed per minute; `nil` means unlimited.
    public var tokensPerMinute: Int?

    /// Creates a limit.
    public init(requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil) {
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
    }
}

/// What a rate limiter decided for one request.
public struct RateLimitDecision: Sendable, Hashable {
    /// Whether the request may proceed.
    public var allowed: Bool
    /// The limit that applied to the dimension reported below (requests, or tokens when that is tighter).
    public var limit: Int
    /// What remains in the current window after this request (0 when rejected).
    public var remaining: Int
    /// Time until the window has room again (for `Retry-After` and `x-ratelimit-reset`).
    public var resetAfter: Duration
    /// Which dimension rejected the request: `"requests"` or `"tokens"`; `nil` when allowed.
    public var exceeded: String?

    /// Creates a decision.
    public init(allowed: Bool, limit: Int, remaining: Int, resetAfter: Duration, exceeded: String? = nil) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.resetAfter = resetAfter
        self.exceeded = exceeded
    }
}

/// Per-tenant request and token limits over a sliding one-minute window.
///
/// ``InMemoryRateLimiter`` serves one replica; `RedisRateLimiter` makes the limit hold across
/// replicas sharing a Redis server (one atomic server-side script per call).
public protocol RateLimiter: Sendable {
    /// Admits one request of `tenant` that is estimated to use `estimatedTokens`, or rejects it.
    /// - Throws: when the backing store cannot be reached (callers decide whether to fail open).
    func acquire(tenant: String, estimatedTokens: Int, limit: RateLimit) async throws -> RateLimitDecision

    /// Corrects the token count of an admitted request once its real usage is known
    /// (`actualTokens - estimatedTokens`, which may be negative).
    func adjust(tenant: String, tokenDelta: Int, limit: RateLimit) async throws
}
