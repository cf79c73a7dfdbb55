import LLMPoolCore
import LLMPoolTesting
import Synchronization
import Testing

@Suite("Redis answer cache", .timeLimit(.minutes(1)))
struct RedisAnswerCacheTests {
    typealias Support = RedisTestSupport

    static let answer = CachedAnswer(
        text: "Swift on the server: \"Vapor\", Hummingbird ✓",
        model: "phi3:mini",
        provider: "phi3-mini",
        usage: TokenUsage(inputTokens: 12, outputTokens: 34),
        finishReason: "stop"
    )

    static func key(_ input: String) -> CacheKey {
        CacheKey(
            task: "expand_queries",
            strategy: .fastest,
            messages: [ChatMessage(role: "user", content: input)],
            models: ["phi3:mini"],
            maxTokens: 256,
            temperature: 0.2
        )
    }

    /// Counts the errors a cache reports.
    final class ErrorCount: Sendable {
        private let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
        func record(_ error: any Error) { count.withLock { $0 += 1 } }
    }

    @Test("An answer round-trips as JSON under the prefixed key, with the TTL set")
    func roundTrip() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server) { client in
                let errors = ErrorCount()
                let cache = RedisAnswerCache(client: client, ttl: .seconds(30), onError: errors.record)
                #expect(cache.backend == "redis")
                let key = Self.key("swift")
                #expect(await cache.get(key) == nil)
                await cache.set(key, Self.answer)
                #expect(await cache.get(key) == Self.answer)
                #expect(await cache.get(Self.key("other")) == nil)

                let redisKey = "llm-pool:cache:\(key.digest)"
                #expect(cache.redisKey(for: key) == redisKey)
                let stored = try await client.get(redisKey) ?? ""
                #expect(stored.contains(#""finish_reason":"stop""#))
                let pttl = try await client.send(["PTTL", redisKey]).int ?? -1
                #expect((29_000...30_000).contains(pttl))
                #expect(errors.value == 0)
            }
        }
    }

    @Test("Entries expire after the TTL")
    func expiry() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server) { client in
                // Generous TTL: the suites run in parallel on a loaded machine.
                let cache = RedisAnswerCache(client: client, ttl: .seconds(1))
                await cache.set(Self.key("a"), Self.answer)
                #expect(await cache.get(Self.key("a")) == Self.answer)
                try await Task.sleep(for: .milliseconds(1300))
                #expect(await cache.get(Self.key("a")) == nil)
            }
        }
    }

    @Test("With Redis down the cache misses fast, reports once, backs off, then recovers")
    func downThenUp() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server) { client in
                let errors = ErrorCount()
                let cache = RedisAnswerCache(
                    client: client,
                    ttl: .seconds(30),
                    backoff: .milliseconds(300),
                    onError: errors.record
                )
                await cache.set(Self.key("a"), Self.answer)
                await server.stop()

                let took = await Support.elapsed {
                    for _ in 0..<50 {
                        #expect(await cache.get(Self.key("a")) == nil)
                        await cache.set(Self.key("b"), Self.answer)
                    }
                }
                #expect(took < .milliseconds(300))
                #expect(errors.value == 1)  // the rest were skipped by the back-off

                try await server.restart()
                try await Task.sleep(for: .milliseconds(350))
                await cache.set(Self.key("c"), Self.answer)
                #expect(await cache.get(Self.key("c")) == Self.answer)
                #expect(errors.value == 1)
            }
        }
    }

    @Test("A hung Redis costs one command timeout per back-off period")
    func hung() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server, commandTimeout: .milliseconds(150)) { client in
                let errors = ErrorCount()
                let cache = RedisAnswerCache(
                    client: client,
                    ttl: .seconds(30),
                    backoff: .seconds(5),
                    onError: errors.record
                )
                await cache.set(Self.key("a"), Self.answer)
                await server.pause()
                let took = await Support.elapsed {
                    for _ in 0..<20 { #expect(await cache.get(Self.key("a")) == nil) }
                }
                #expect(took < .milliseconds(600))
                #expect(errors.value == 1)
                await server.resume()
            }
        }
    }

    @Test("An unreadable entry is a reported miss without back-off")
    func unreadableEntry() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server) { client in
                let errors = ErrorCount()
                let cache = RedisAnswerCache(client: client, ttl: .seconds(30), onError: errors.record)
                try await client.set(cache.redisKey(for: Self.key("junk")), "not json")
                #expect(await cache.get(Self.key("junk")) == nil)
                #expect(errors.value == 1)
                await cache.set(Self.key("fine"), Self.answer)
                #expect(await cache.get(Self.key("fine")) == Self.answer)
            }
        }
    }
}
