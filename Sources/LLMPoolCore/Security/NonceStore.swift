/// Remembers the nonces of signed requests for as long as a replay could still pass the clock-skew
/// check, so a captured request cannot be sent twice.
///
/// One replica uses ``InMemoryNonceStore``; replicas sharing Redis use `RedisNonceStore`, so a nonce
/// seen by one replica is rejected by all.
public protocol NonceStore: Sendable {
    /// Records `nonce` for `ttl` if it was not seen before.
    /// - Returns: `true` when the nonce is new (the request may proceed), `false` for a replay.
    /// - Throws: when the backing store cannot be reached; callers fail closed (reject the request).
    func insertIfAbsent(_ nonce: String, ttl: Duration) async throws -> Bool
}
