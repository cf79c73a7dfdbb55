import LLMPoolCore
import LLMPoolTesting
import Testing

@Suite("Redis rate limiter", .timeLimit(.minutes(1)))
struct RedisRateLimiterTests {
    typealias Support = RedisTestSupport

    /// Runs `body` with two limiters on two clients of one server, as two replicas would be.
    static func withReplicas(
        configuration: RedisRateLimiter.Configuration = .defaults,
        _ body: (RedisRateLimiter, RedisRateLimiter, RedisClient) async throws -> Void
    ) async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server) { clientA in
                try await Support.withClient(server) { clientB in
                    try await body(
                        RedisRateLimiter(client: clientA, configuration: configuration),
                        RedisRateLimiter(client: clientB, configuration: configuration),
                        clientA
                    )
                }
            }
        }
    }

    @Test("The request limit holds across two replicas")
    func requestsAcrossReplicas() async throws {
        try await Self.withReplicas { replicaA, replicaB, _ in
            let limit = RateLimit(requestsPerMinute: 5)
            var decisions: [RateLimitDecision] = []
            for index in 0..<8 {
                let replica = index.isMultiple(of: 2) ? replicaA : replicaB
                decisions.append(try await replica.acquire(tenant: "acme", estimatedTokens: 10, limit: limit))
            }
            #expect(decisions.map(\.allowed) == [true, true, true, true, true, false, false, false])
            #expect(decisions.prefix(5).map(\.remaining) == [4, 3, 2, 1, 0])
            #expect(decisions.allSatisfy { $0.limit == 5 })
            for rejected in decisions.suffix(3) {
                #expect(rejected.exceeded == "requests")
                #expect(rejected.remaining == 0)
                #expect(rejected.resetAfter > .seconds(58) && rejected.resetAfter <= .seconds(60))
            }
            // Another tenant has its own window.
            #expect(try await replicaB.acquire(tenant: "globex", estimatedTokens: 10, limit: limit).allowed)
        }
    }

    @Test("Concurrent acquires on two replicas admit exactly the limit")
    func concurrentAcrossReplicas() async throws {
        try await Self.withReplicas { replicaA, replicaB, _ in
            let limit = RateLimit(requestsPerMinute: 10, tokensPerMinute: 10_000)
            let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<40 {
                    let replica = index.isMultiple(of: 2) ? replicaA : replicaB
                    group.addTask {
                        try await replica.acquire(tenant: "acme", estimatedTokens: 5, limit: limit).allowed
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(admitted == 10)
        }
    }

    @Test("The token limit admits what fits, rejects what does not, and records nothing on rejection")
    func tokens() async throws {
        try await Self.withReplicas { replicaA, replicaB, _ in
            let limit = RateLimit(tokensPerMinute: 1_000)
            let first = try await replicaA.acquire(tenant: "acme", estimatedTokens: 400, limit: limit)
            #expect(first.allowed && first.limit == 1_000 && first.remaining == 600 && first.exceeded == nil)
            #expect(try await replicaB.acquire(tenant: "acme", estimatedTokens: 400, limit: limit).remaining == 200)
            let rejected = try await replicaA.acquire(tenant: "acme", estimatedTokens: 400, limit: limit)
            #expect(
                !rejected.allowed && rejected.exceeded == "tokens" && rejected.limit == 1_000 && rejected.remaining == 0
            )
            #expect(rejected.resetAfter > .seconds(58) && rejected.resetAfter <= .seconds(60))
            let last = try await replicaB.acquire(tenant: "acme", estimatedTokens: 200, limit: limit)
            #expect(last.allowed && last.remaining == 0)
            let tooBig = try await replicaA.acquire(tenant: "fresh", estimatedTokens: 1_001, limit: limit)
            #expect(!tooBig.allowed && tooBig.exceeded == "tokens" && tooBig.resetAfter == .seconds(60))
        }
    }

    @Test("The decision reports the dimension with the smaller share left")
    func tighterDimension() async throws {
        try await Self.withReplicas { replica, _, _ in
            let limit = RateLimit(requestsPerMinute: 10, tokensPerMinute: 100)
            let tokensTighter = try await replica.acquire(tenant: "a", estimatedTokens: 90, limit: limit)
            #expect(tokensTighter.limit == 100 && tokensTighter.remaining == 10)
            let requestsTighter = try await replica.acquire(tenant: "b", estimatedTokens: 1, limit: limit)
            #expect(requestsTighter.limit == 10 && requestsTighter.remaining == 9)
            let requestsRejectFirst = try await replica.acquire(
                tenant: "c",
                estimatedTokens: 1,
                limit: RateLimit(requestsPerMinute: 0, tokensPerMinute: 0)
            )
            #expect(!requestsRejectFirst.allowed && requestsRejectFirst.exceeded == "requests")
        }
    }

    @Test("adjust corrects tokens in both directions and never grants credit below zero")
    func adjust() async throws {
        try await Self.withReplicas { replicaA, replicaB, _ in
            let limit = RateLimit(tokensPerMinute: 1_000)
            #expect(try await replicaA.acquire(tenant: "acme", estimatedTokens: 800, limit: limit).remaining == 200)
            try await replicaB.adjust(tenant: "acme", tokenDelta: -500, limit: limit)  // used 300, not 800
            #expect(try await replicaA.acquire(tenant: "acme", estimatedTokens: 600, limit: limit).remaining == 100)
            try await replicaA.adjust(tenant: "acme", tokenDelta: 200, limit: limit)  // used 800, not 600
            #expect(try await replicaB.acquire(tenant: "acme", estimatedTokens: 50, limit: limit).allowed == false)

            try await replicaA.adjust(tenant: "acme", tokenDelta: -100_000, limit: limit)
            #expect(try await replicaB.acquire(tenant: "acme", estimatedTokens: 1_000, limit: limit).remaining == 0)
            #expect(try await replicaB.acquire(tenant: "acme", estimatedTokens: 1, limit: limit).allowed == false)
        }
    }

    @Test("Usage slides out of the window; resetAfter says when")
    func slidingWindow() async throws {
        // Short enough to wait out, long enough that a loaded machine sends the three requests within it.
        let shortWindow = RedisRateLimiter.Configuration(window: .seconds(2), bucketWidth: .milliseconds(250))
        try await Self.withReplicas(configuration: shortWindow) { replicaA, replicaB, _ in
            let limit = RateLimit(requestsPerMinute: 2)
            let first = try await replicaA.acquire(tenant: "acme", estimatedTokens: 0, limit: limit)
            #expect(first.remaining == 1 && first.resetAfter > .zero && first.resetAfter <= .seconds(2))
            #expect(try await replicaB.acquire(tenant: "acme", estimatedTokens: 0, limit: limit).remaining == 0)
            let rejected = try await replicaA.acquire(tenant: "acme", estimatedTokens: 0, limit: limit)
            #expect(!rejected.allowed)
            #expect(rejected.resetAfter > .zero && rejected.resetAfter <= .seconds(2))
            try await Task.sleep(for: rejected.resetAfter + .milliseconds(30))
            #expect(try await replicaB.acquire(tenant: "acme", estimatedTokens: 0, limit: limit).allowed)
        }
    }

    @Test("Keys expire; unlimited tenants write nothing")
    func keys() async throws {
        try await Self.withReplicas { replica, _, client in
            _ = try await replica.acquire(
                tenant: "acme",
                estimatedTokens: 5,
                limit: RateLimit(requestsPerMinute: 5, tokensPerMinute: 50)
            )
            #expect(replica.key("acme", "requests") == "llm-pool:rl:{acme}:requests")
            for dimension in ["requests", "tokens"] {
                let pttl = try await client.send(["PTTL", replica.key("acme", dimension)]).int ?? -1
                #expect(pttl > 59_000 && pttl <= 61_000)
            }
            let unlimited = try await replica.acquire(tenant: "free", estimatedTokens: 5, limit: RateLimit())
            #expect(unlimited.allowed && unlimited.remaining == .max)
            #expect(
                try await client.send(["EXISTS", replica.key("free", "requests"), replica.key("free", "tokens")]).int
                    == 0
            )
        }
    }
}
