extension PoolError {
    /// Whether the next provider may be asked after this error: the provider failed, was
    /// unreachable, overloaded (an upstream 429) or too slow (its own timeout, while the request's
    /// deadline still has time — the strategies check that). Unlike ``isRetryable`` this includes
    /// timeouts and overload. Errors about the request itself (``isCallerFault``: invalid, unknown
    /// model, too large for the context) would fail the same way anywhere, and a cancelled call
    /// was meant to stop.
    public var isRetryableElsewhere: Bool {
        switch code {
        case .upstreamFailed, .unavailable, .deadlineExceeded, .resourceExhausted:
            return true
        default:
            return false
        }
    }

    /// How a call that failed with this error counts for its provider's circuit breaker: a
    /// cancellation (a hedge that lost, a caller that left) or a request the provider rightly
    /// refused (``isCallerFault``) says nothing about its health, and neither does an overloaded
    /// provider that said when to come back (`Retry-After`): it is held back for that long
    /// instead (``CircuitBreaker/holdOff(until:)``). An overloaded provider that did not say counts
    /// as failed.
    public var breakerOutcome: CircuitBreaker.Outcome {
        if isCallerFault || code == .cancelled { return .ignored }
        if code == .resourceExhausted, retryAfter != nil { return .ignored }
        return .failure
    }
}
