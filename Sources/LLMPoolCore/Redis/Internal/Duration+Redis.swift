extension Duration {
    /// Whole milliseconds for `PX` and `PEXPIRE`, rounded up and at least 1 (Redis rejects 0).
    var redisMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let millis = seconds * 1_000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Swift.max(1, millis)
    }
}
