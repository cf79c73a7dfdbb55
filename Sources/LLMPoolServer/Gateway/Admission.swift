import LLMPoolCore

/// The outcome of the gateway's admit stage: the call, the rate-limit headers both doors send,
/// and, when the tenant's limits charged it, what to correct once the real usage is known.
public struct Admission: Sendable {
    /// What the limiter charged, to be corrected or refunded by ``Gateway``'s settle stage.
    struct Charge: Sendable {
        var limiter: any RateLimiter
        var limit: RateLimit
        var estimate: Int
    }

    /// The call being served.
    public var call: InferenceCall
    /// `x-ratelimit-*` (and on a rejection `retry-after`) names and values, lower case.
    public var rateLimitFields: [(name: String, value: String)]
    /// Why the call was refused (429 / RESOURCE_EXHAUSTED); `nil` when admitted.
    public var rejection: PoolError?
    /// The tokens charged up front; `nil` when no limit applies or the limiter was unreachable.
    var charge: Charge?

    /// Whether the call may run.
    public var isAdmitted: Bool { rejection == nil }
}
