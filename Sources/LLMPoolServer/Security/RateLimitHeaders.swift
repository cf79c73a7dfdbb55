import LLMPoolCore
import LLMPoolObservability

/// The rate-limit headers (HTTP) and metadata (gRPC) of a decision, named as OpenAI names them:
/// `x-ratelimit-limit-requests`, `x-ratelimit-remaining-requests`, `x-ratelimit-reset-requests`
/// and the `-tokens` variants, plus `retry-after` (whole seconds) on a rejection.
///
/// Every configured dimension gets its `limit`; `remaining` and `reset` are sent for the dimension
/// the limiter reported (the one that rejected the request, or the one with the smaller share
/// left), since a limiter decision describes one dimension. Resets read like `1.5s`.
struct RateLimitHeaders: Sendable {
    /// Name and value pairs, lower-case names.
    var fields: [(name: String, value: String)] = []

    init(decision: RateLimitDecision, limit: RateLimit) {
        if let requests = limit.requestsPerMinute { fields.append(("x-ratelimit-limit-requests", String(requests))) }
        if let tokens = limit.tokensPerMinute { fields.append(("x-ratelimit-limit-tokens", String(tokens))) }
        if let dimension = Self.dimension(of: decision, limit: limit) {
            fields.append(("x-ratelimit-remaining-\(dimension)", String(max(0, decision.remaining))))
            fields.append(("x-ratelimit-reset-\(dimension)", Self.format(decision.resetAfter)))
        }
        if !decision.allowed {
            fields.append(("retry-after", String(Self.retryAfterSeconds(decision.resetAfter))))
        }
    }

    /// Which dimension a decision describes: the one named in `exceeded`, else the one whose
    /// configured limit it reports (requests when both limits are equal); `nil` when unlimited.
    static func dimension(of decision: RateLimitDecision, limit: RateLimit) -> String? {
        if let exceeded = decision.exceeded { return exceeded }
        switch (limit.requestsPerMinute, limit.tokensPerMinute) {
        case (nil, nil): return nil
        case (.some, nil): return "requests"
        case (nil, .some): return "tokens"
        case (.some(let requests), .some): return decision.limit == requests ? "requests" : "tokens"
        }
    }

    /// `Retry-After` takes whole seconds (RFC 9110 §10.2.3): rounded up, at least 1.
    static func retryAfterSeconds(_ duration: Duration) -> Int64 {
        max(1, (duration.millisecondsRoundedUp + 999) / 1000)
    }

    /// Seconds with up to three decimals: `60s`, `1.5s`, `0.001s`.
    static func format(_ duration: Duration) -> String {
        let milliseconds = duration.millisecondsRoundedUp
        let whole = milliseconds / 1000
        let fraction = milliseconds % 1000
        guard fraction > 0 else { return "\(whole)s" }
        var decimals = String(fraction)
        decimals = String(repeating: "0", count: 3 - decimals.count) + decimals
        while decimals.hasSuffix("0") { decimals.removeLast() }
        return "\(whole).\(decimals)s"
    }
}
