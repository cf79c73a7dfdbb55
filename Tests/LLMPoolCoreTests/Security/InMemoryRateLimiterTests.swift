import LLMPoolCore
import Testing

@Suite("In-memory rate limiter")
struct InMemoryRateLimiterTests {
    @Test("requests beyond the limit are rejected until the first one leaves the window")
    func requestWindow() async throws {
        let clock = TestClock()
        let limiter = InMemoryRateLimiter(clock: clock)
        let limit = RateLimit(requestsPerMinute: 3)
        clock.advance(by: .milliseconds(200))
        var remaining: [Int] = []
        for _ in 0..<3 {
            let decision = try await limiter.acquire(tenant: "a", estimatedTokens: 0, limit: limit)
            #expect(decision.allowed)
            #expect(decision.limit == 3)
            remaining.append(decision.remaining)
        }
        #expect(remaining == [2, 1, 0])

        clock.advance(by: .seconds(10))
        let rejected = try await limiter.acquire(tenant: "a", estimatedTokens: 0, limit: limit)
        #expect(!rejected.allowed)
        #expect(rejected.exceeded == "requests")
        #expect(rejected.remaining == 0)
        // The first three were counted in second 0, which leaves the window when second 60 begins.
        #expect(rejected.resetAfter == .milliseconds(49_800))

        clock.advance(by: .milliseconds(49_799))
        #expect(try await !limiter.acquire(tenant: "a", estimatedTokens: 0, limit: limit).allowed)
        clock.advance(by: .milliseconds(1))
        #expect(try await limiter.acquire(tenant: "a", estimatedTokens: 0, limit: limit).allowed)
    }

    @Test("the window slides: only requests older than a minute stop counting")
    func sliding() async throws {
        let clock = TestClock()
        let limiter = InMemoryRateLimiter(clock: clock)
        let limit = RateLimit(requestsPerMinute: 2)
        #expect(try await limiter.acquire(tenant: "a", estimatedTokens: 0, limit: limit).allowed)  // t = 0
        clock.advance(by: .seconds(30))
        #expect(try await limiter.acquire(tenant: "a", estimatedTokens: 0, limit: limit).allowed)  // t = 30
        clock.advance(by: .seconds(15))
        let rejected = try await limiter.acquire(tenant: "a", estimatedTokens: 0, limit: limit)  // t = 45
        #expect(!rejected.allowed)
        #expect(rejected.resetAfter == .seconds(15))
        clock.advance(by: .seconds(15))
        let admitted = try await limiter.acquire(tenant: "a", estimatedTokens: 0, limit: limit)  // t = 60
        #expect(admitted.allowed)
        #expect(admitted.remaining == 0)
        // The oldest counted request (t = 30) leaves at t = 90.
        #expect(admitted.resetAfter == .seconds(30))
        #expect(try await !limiter.acquire(tenant: "a", estimatedTokens: 0, limit: limit).allowed)
    }

    @Test("tokens are charged up front and corrected by adjust")
    func tokens() async throws {
        let clock = TestClock()
        let limiter = InMemoryRateLimiter(clock: clock)
        let limit = RateLimit(tokensPerMinute: 100)
        let first = try await limiter.acquire(tenant: "a", estimatedTokens: 60, limit: limit)
        #expect(first.allowed)
        #expect(first.remaining == 40)
        let second = try await limiter.acquire(tenant: "a", estimatedTokens: 50, limit: limit)
        #expect(!second.allowed)
        #expect(second.exceeded == "tokens")
        #expect(second.limit == 100)
        #expect(second.resetAfter == .seconds(60))

        // The first request used only 30 tokens.
        try await limiter.adjust(tenant: "a", tokenDelta: -30, limit: limit)
        let third = try await limiter.acquire(tenant: "a", estimatedTokens: 50, limit: limit)
        #expect(third.allowed)
        #expect(third.remaining == 20)

        // A request that used more than estimated is charged the difference.
        try await limiter.adjust(tenant: "a", tokenDelta: 20, limit: limit)
        #expect(try await !limiter.acquire(tenant: "a", estimatedTokens: 1, limit: limit).allowed)
    }

    @Test("refunds never go below zero")
    func refundFloor() async throws {
        let clock = TestClock()
        let limiter = InMemoryRateLimiter(clock: clock)
        let limit = RateLimit(tokensPerMinute: 100)
        _ = try await limiter.acquire(tenant: "a", estimatedTokens: 10, limit: limit)
        try await limiter.adjust(tenant: "a", tokenDelta: -1_000, limit: limit)
        let decision = try await limiter.acquire(tenant: "a", estimatedTokens: 100, limit: limit)
        #expect(decision.allowed)
        #expect(decision.remaining == 0)
    }

    @Test("an estimate larger than the whole budget is rejected with a full window to wait")
    func oversize() async throws {
        let limiter = InMemoryRateLimiter(clock: TestClock())
        let decision = try await limiter.acquire(
            tenant: "a",
            estimatedTokens: 500,
            limit: RateLimit(tokensPerMinute: 100)
        )
        #expect(!decision.allowed)
        #expect(decision.exceeded == "tokens")
        #expect(decision.resetAfter == .seconds(60))
    }

    @Test("an admitted request reports the dimension with the smaller share left")
    func tighterDimension() async throws {
        let limiter = InMemoryRateLimiter(clock: TestClock())
        let limit = RateLimit(requestsPerMinute: 10, tokensPerMinute: 1000)
        let small = try await limiter.acquire(tenant: "a", estimatedTokens: 10, limit: limit)
        #expect(small.limit == 10)
        #expect(small.remaining == 9)
        let large = try await limiter.acquire(tenant: "a", estimatedTokens: 800, limit: limit)
        #expect(large.limit == 1000)
        #expect(large.remaining == 190)
    }

    @Test("tenants are counted separately, and unlimited tenants always pass")
    func tenants() async throws {
        let limiter = InMemoryRateLimiter(clock: TestClock())
        let limit = RateLimit(requestsPerMinute: 1)
        #expect(try await limiter.acquire(tenant: "a", estimatedTokens: 0, limit: limit).allowed)
        #expect(try await !limiter.acquire(tenant: "a", estimatedTokens: 0, limit: limit).allowed)
        #expect(try await limiter.acquire(tenant: "b", estimatedTokens: 0, limit: limit).allowed)
        let unlimited = try await limiter.acquire(tenant: "c", estimatedTokens: 1_000_000, limit: RateLimit())
        #expect(unlimited.allowed)
    }

    @Test("memory is bounded: idle tenants are dropped first, then the least recently seen")
    func bounded() async throws {
        let clock = TestClock()
        let limiter = InMemoryRateLimiter(maxTenants: 2, clock: clock)
        let limit = RateLimit(requestsPerMinute: 5)
        _ = try await limiter.acquire(tenant: "a", estimatedTokens: 0, limit: limit)
        clock.advance(by: .seconds(1))
        _ = try await limiter.acquire(tenant: "b", estimatedTokens: 0, limit: limit)
        clock.advance(by: .seconds(1))
        _ = try await limiter.acquire(tenant: "c", estimatedTokens: 0, limit: limit)
        #expect(limiter.trackedTenants == 2)
        // "a" was the least recently seen and is forgotten; "b" still counts.
        let b = try await limiter.acquire(tenant: "b", estimatedTokens: 0, limit: limit)
        #expect(b.remaining == 3)
    }
}
