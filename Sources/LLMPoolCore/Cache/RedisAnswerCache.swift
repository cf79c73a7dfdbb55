import Foundation
import Synchronization

/// An ``AnswerCache`` in Redis, shared by every replica using the same server and key prefix.
///
/// Each answer is a JSON document at `<keyPrefix>cache:<CacheKey digest>`, written with
/// `SET … PX ttl` so Redis expires it. Like every cache it never fails the request: when Redis
/// errors, ``get(_:)`` is a miss and ``set(_:_:)`` does nothing, and the error goes to `onError`.
///
/// After a failure the cache skips Redis for `backoff` (1 s by default), then lets a single call
/// probe it again, so an unreachable or hung Redis costs one connect or command timeout per
/// back-off period rather than one per request.
public final class RedisAnswerCache: AnswerCache {
    private enum Health {
        case healthy
        /// Skipping Redis until the instant; the first caller after it probes.
        case backingOff(until: ContinuousClock.Instant)
    }

    /// The stored form of a ``CachedAnswer``.
    private struct Entry: Codable {
        var text: String
        var model: String
        var provider: String
        var inputTokens: Int
        var outputTokens: Int
        var finishReason: String
        /// Absent in entries without extras (and in those written before extras existed).
        var extras: AnswerExtras?

        enum CodingKeys: String, CodingKey {
            case text, model, provider, extras
            case inputTokens = "input_tokens"
            case outputTokens = "output_tokens"
            case finishReason = "finish_reason"
        }
    }

    public let backend = "redis"
    private let client: RedisClient
    private let ttl: Duration
    private let backoff: Duration
    private let keyPrefix: String
    private let clock: ContinuousClock
    private let onError: (@Sendable (any Error) -> Void)?
    private let health = Mutex(Health.healthy)

    /// Creates a cache on a client, using the client's key prefix.
    /// - Parameters:
    ///   - client: The Redis client; the cache does not shut it down.
    ///   - ttl: How long an answer stays fresh (whole milliseconds, at least 1).
    ///   - backoff: How long to skip Redis after a failure. Default 1 s.
    ///   - clock: Times the back-off.
    ///   - onError: Told of every Redis or decoding failure, for metrics; never of skipped calls.
    public init(
        client: RedisClient,
        ttl: Duration,
        backoff: Duration = .seconds(1),
        clock: ContinuousClock = .init(),
        onError: (@Sendable (any Error) -> Void)? = nil
    ) {
        self.client = client
        self.ttl = ttl
        self.backoff = backoff
        self.keyPrefix = client.configuration.keyPrefix + "cache:"
        self.clock = clock
        self.onError = onError
    }

    /// Creates a cache from `[cache]` configuration (its `ttl_seconds`).
    public convenience init(
        client: RedisClient,
        configuration: CacheConfiguration,
        onError: (@Sendable (any Error) -> Void)? = nil
    ) {
        self.init(client: client, ttl: configuration.ttl, onError: onError)
    }

    /// The Redis key holding `key`'s answer.
    public func redisKey(for key: CacheKey) -> String { keyPrefix + key.digest }

    public func get(_ key: CacheKey) async -> CachedAnswer? {
        guard shouldTryRedis() else { return nil }
        let json: String?
        do {
            json = try await client.get(redisKey(for: key))
            recordSuccess()
        } catch {
            recordFailure(error)
            return nil
        }
        guard let json else { return nil }
        do {
            let entry = try JSONDecoder().decode(Entry.self, from: Data(json.utf8))
            return CachedAnswer(
                text: entry.text,
                model: entry.model,
                provider: entry.provider,
                usage: TokenUsage(inputTokens: entry.inputTokens, outputTokens: entry.outputTokens),
                finishReason: entry.finishReason,
                extras: entry.extras ?? .none
            )
        } catch {
            // Not a back-off reason: Redis works, this one entry is unreadable (an older format).
            onError?(
                RedisError(
                    code: .unexpectedReply,
                    message: "unreadable cache entry \(redisKey(for: key))",
                    cause: error
                )
            )
            return nil
        }
    }

    public func set(_ key: CacheKey, _ value: CachedAnswer) async {
        guard shouldTryRedis() else { return }
        let entry = Entry(
            text: value.text,
            model: value.model,
            provider: value.provider,
            inputTokens: value.usage.inputTokens,
            outputTokens: value.usage.outputTokens,
            finishReason: value.finishReason,
            extras: value.extras.isEmpty ? nil : value.extras
        )
        do {
            let json = String(decoding: try JSONEncoder().encode(entry), as: UTF8.self)
            try await client.set(redisKey(for: key), json, ttl: ttl)
            recordSuccess()
        } catch {
            recordFailure(error)
        }
    }

    /// Whether to call Redis now; claims the probe when a back-off has just ended.
    private func shouldTryRedis() -> Bool {
        let now = clock.now
        return health.withLock { health in
            switch health {
            case .healthy:
                return true
            case .backingOff(let until) where now >= until:
                health = .backingOff(until: now.advanced(by: backoff))
                return true
            case .backingOff:
                return false
            }
        }
    }

    private func recordSuccess() {
        health.withLock { $0 = .healthy }
    }

    private func recordFailure(_ error: any Error) {
        let until = clock.now.advanced(by: backoff)
        health.withLock { $0 = .backingOff(until: until) }
        onError?(error)
    }
}
