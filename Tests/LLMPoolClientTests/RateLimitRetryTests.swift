import Foundation
import LLMPoolClient
import LLMPoolCore
import LLMPoolProto
import LLMPoolTesting
import SwiftProtobuf
import Testing

/// The clients against a pool whose tenant `limited` may make one request a minute, counted by
/// the server's own in-memory limiter on a clock the test jumps to the last seconds of the window.
@Suite("Swift client retries after Retry-After")
struct RateLimitRetryTests {
    static let query = Vvtv_Llmpool_V1_Query.with {
        $0.task = "expand_queries"
        $0.input = "swift"
    }

    @Test("HTTP: a 429 is typed with its wait, and retried after it")
    func http() async throws {
        let clock = JumpClock()
        let limiter = InMemoryRateLimiter(clock: clock)
        try await ClientTestPool.withHTTP(InProcessPoolTests.providers(), rateLimiter: limiter) { url in
            let tenant = ClientTestPool.limitedTenant
            let first = try await LLMPoolHTTPClient(baseURL: url, retry: .none, tenant: tenant).infer(Self.query)
            #expect(first.text == "alpha beta gamma")
            clock.jump(by: .seconds(57))
            let refused = await #expect(throws: LLMPoolClientError.self) {
                try await LLMPoolHTTPClient(baseURL: url, retry: .none, tenant: tenant).infer(Self.query)
            }
            #expect(refused?.code == .resourceExhausted && refused?.status == 429)
            // Retry-After is whole seconds, rounded up: what is left of the window (under 3 s, less
            // the time the calls took) is 1, 2 or 3 s.
            let wait = try #require(refused?.retryAfter)
            #expect(wait >= .seconds(1) && wait <= .seconds(3), "\(wait)")
            let started = ContinuousClock.now
            let patient = LLMPoolHTTPClient(baseURL: url, retry: RetryPolicy(maxRetries: 1), tenant: tenant)
            let answer = try await patient.infer(Self.query)
            #expect(answer.text == "alpha beta gamma")
            let waited = ContinuousClock.now - started
            // It slept the whole Retry-After (at least 1 s), then succeeded on its retry.
            #expect(waited >= .milliseconds(900) && waited < .seconds(10), "\(waited)")
        }
    }

    @Test("gRPC: RESOURCE_EXHAUSTED carries retry-after, and is retried after it")
    func grpc() async throws {
        let clock = JumpClock()
        let limiter = InMemoryRateLimiter(clock: clock)
        try await ClientTestPool.withGRPC(InProcessPoolTests.providers(), rateLimiter: limiter) { client in
            let tenant = ClientTestPool.limitedTenant
            let first = try await LLMPoolGRPCClient(wrapping: client, retry: .none, tenant: tenant).infer(Self.query)
            #expect(first.text == "alpha beta gamma")
            clock.jump(by: .seconds(57))
            let refused = await #expect(throws: LLMPoolClientError.self) {
                try await LLMPoolGRPCClient(wrapping: client, retry: .none, tenant: tenant).infer(Self.query)
            }
            #expect(refused?.code == .resourceExhausted)
            let wait = try #require(refused?.retryAfter)
            #expect(wait >= .seconds(1) && wait <= .seconds(3), "\(wait)")
            // Too long a wait for the policy: it fails at once instead.
            let impatient = LLMPoolGRPCClient(
                wrapping: client,
                retry: RetryPolicy(maxRetries: 1, maxWait: .milliseconds(100)),
                tenant: tenant
            )
            await #expect(throws: LLMPoolClientError.self) { try await impatient.infer(Self.query) }
            let patient = LLMPoolGRPCClient(wrapping: client, retry: RetryPolicy(maxRetries: 1), tenant: tenant)
            let events = try await patient.inferStream(Self.query) { try await InProcessPoolTests.events($0) }
            #expect(events.count >= 3)
        }
    }
}
