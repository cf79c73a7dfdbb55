extension PoolError {
    /// Whether the next provider may be asked after this error: the provider failed, was
    /// unreachable, overloaded or too slow (its own timeout, while the request's deadline still
    /// has time — the strategies check that). Unlike ``isRetryable`` this includes timeouts and
    /// overload. Errors about the request itself (invalid, too large) would fail the same way
    /// anywhere, and a cancelled call was meant to stop.
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
    /// refused says nothing about its health.
    public var breakerOutcome: CircuitBreaker.Outcome {
        switch code {
        case .cancelled, .invalidArgument, .payloadTooLarge:
            return .ignored
        default:
            return .failure
        }
    }
}
