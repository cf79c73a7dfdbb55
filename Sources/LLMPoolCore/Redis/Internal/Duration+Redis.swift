import LLMPoolObservability

extension Duration {
    /// Whole milliseconds for `PX` and `PEXPIRE`, rounded up and at least 1 (Redis rejects 0).
    var redisMilliseconds: Int64 {
        Swift.max(1, millisecondsRoundedUp)
    }
}
