import Crypto
import Foundation
import LLMPoolObservability

/// A ``NonceStore`` in Redis, so a nonce seen by one replica is rejected by all of them.
///
/// Each nonce is a key `<keyPrefix>nonce:<nonce>` written with `SET … 1 NX PX ttl`: the write
/// succeeds only for the first request, and Redis forgets the nonce once a replay could no longer
/// pass the clock-skew check. Nonces longer than 128 bytes are stored by their SHA-256 so a caller
/// cannot make the store hold large keys.
public struct RedisNonceStore: NonceStore {
    private static let maxRawLength = 128
    private let client: RedisClient
    private let keyPrefix: String

    /// Creates a store on a client, using the client's key prefix.
    /// - Parameter client: The Redis client; the store does not shut it down.
    public init(client: RedisClient) {
        self.client = client
        self.keyPrefix = client.configuration.keyPrefix + "nonce:"
    }

    /// Records `nonce` for `ttl` (whole milliseconds, at least 1) unless Redis already holds it.
    /// - Returns: `true` when the nonce is new, `false` for a replay.
    /// - Throws: ``RedisError`` when Redis cannot be reached; callers reject the request.
    public func insertIfAbsent(_ nonce: String, ttl: Duration) async throws -> Bool {
        try await client.setNX(redisKey(for: nonce), "1", ttl: ttl)
    }

    /// The Redis key recording `nonce`.
    public func redisKey(for nonce: String) -> String {
        guard nonce.utf8.count > Self.maxRawLength else { return keyPrefix + nonce }
        let digest = Hex.encode(SHA256.hash(data: Data(nonce.utf8)))
        return keyPrefix + "sha256:" + digest
    }
}
