import LLMPoolCore
import LLMPoolObservability
import LLMPoolTesting
import Synchronization
import Testing

/// How upstream failures steer a request, on a manual clock: the caller's fault ends it at once,
/// a 429 with `Retry-After` moves it on and holds the provider back, a provider that uses up the
/// deadline counts as failing, and `context_window_fallback` catches context overflows.
@Suite("Routing after upstream failures", .timeLimit(.minutes(1)))
struct UpstreamFailureRoutingTests {
    static let contextError = PoolError(
        code: .contextLengthExceeded,
        message: "provider 'a' answered HTTP 400: This model's maximum context length is 512 tokens",
        param: "messages"
    )

    @Test("context_length_exceeded is answered as is: no retry, no waiting for a hedge, no breaker count")
    func callerFault() async throws {
        let clock = ManualPoolClock()
        let refusing = ScriptedProvider(name: "a", behaviour: .fail(Self.contextError, delay: .zero), clock: clock)
        let other = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero), clock: clock)
        let orchestrator = Orchestrator(
            configuration: try poolConfiguration(["a", "b"]),
            providers: [refusing, other],
            clock: clock
        )
        // More refusals than consecutive_failures (5): the breaker must not open.
        for _ in 0..<6 {
            let error = await #expect(throws: PoolError.self) { try await orchestrator.infer(request()) }
            #expect(error?.code == .contextLengthExceeded)
            #expect(error?.param == "messages")
            #expect(error?.message.contains("maximum context length is 512 tokens") == true)
        }
        #expect(other.calls == 0)
        let breaker = orchestrator.resilience.breakers.breaker(for: "a").snapshot()
        #expect(breaker.state == .closed)
        #expect(breaker.calls == 0)
        refusing.setBehaviour(.answer("from a", delay: .zero))
        #expect(try await orchestrator.infer(request()).provider == "a")
    }

    @Test("a caller fault while a hedge runs cancels the hedge at once")
    func callerFaultCancelsHedge() async throws {
        let clock = ManualPoolClock()
        let refusing = ScriptedProvider(
            name: "a",
            behaviour: .fail(Self.contextError, delay: .milliseconds(100)),
            clock: clock
        )
        let hedge = ScriptedProvider(name: "b", behaviour: .hang, clock: clock)
        let orchestrator = Orchestrator(
            configuration: try poolConfiguration(["a", "b"], staticDelay: .milliseconds(50)),
            providers: [refusing, hedge],
            clock: clock
        )
        let answer = Task { try await orchestrator.infer(request()) }
        await clock.waitForSleepers(3)  // the deadline, a's delay, the hedge timer
        clock.advance(by: .milliseconds(50))  // the hedge fires
        await clock.waitForSleepers(2)  // the deadline, a's delay
        clock.advance(by: .milliseconds(50))  // a refuses
        let error = await #expect(throws: PoolError.self) { try await answer.value }
        #expect(error?.code == .contextLengthExceeded)
        #expect(hedge.calls == 1)
        #expect(hedge.cancellations == 1)
        #expect(orchestrator.resilience.breakers.breaker(for: "b").snapshot().calls == 0)
    }

    @Test("a stream refused for its context fails before any event, without trying the next provider")
    func streamCallerFault() async throws {
        let refusing = ScriptedProvider(name: "a", behaviour: .fail(Self.contextError, delay: .zero))
        let other = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let orchestrator = Orchestrator(
            configuration: try poolConfiguration(["a", "b"]),
            providers: [refusing, other]
        )
        let events = EventCounter()
        let error = await #expect(throws: PoolError.self) {
            try await orchestrator.stream(request()) { _ in events.add() }
        }
        #expect(error?.code == .contextLengthExceeded)
        #expect(events.count == 0)
        #expect(other.calls == 0)
    }

    @Test("a 429 with Retry-After is retried elsewhere, and the provider is skipped for that long")
    func retryAfter() async throws {
        let clock = ManualPoolClock()
        let throttled = PoolError(
            code: .resourceExhausted,
            message: "provider 'a' answered HTTP 429: slow down",
            retryAfter: .seconds(2)
        )
        let busy = ScriptedProvider(name: "a", behaviour: .fail(throttled, delay: .zero), clock: clock)
        let other = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero), clock: clock)
        let orchestrator = Orchestrator(
            configuration: try poolConfiguration(["a", "b"], staticDelay: .seconds(1)),
            providers: [busy, other],
            clock: clock
        )
        let first = try await orchestrator.infer(request())
        #expect(first.provider == "b")
        #expect(first.decision.candidates.map(\.outcome) == [.failed, .won])

        // Held back: not even asked.
        let second = try await orchestrator.infer(request())
        #expect(second.provider == "b")
        #expect(busy.calls == 1)
        let skipped = try #require(second.decision.candidates.first { $0.provider == "a" })
        #expect(skipped.outcome == .skipped)
        #expect(skipped.error == "retry after 2000 ms")

        // Not a failure for the breaker: the provider said when to come back.
        #expect(orchestrator.resilience.breakers.breaker(for: "a").snapshot().failures == 0)
        #expect(orchestrator.resilience.breakers.state(of: "a") == .closed)

        clock.advance(by: .seconds(2))
        busy.setBehaviour(.answer("from a", delay: .zero))
        #expect(try await orchestrator.infer(request()).provider == "a")
    }

    @Test("a provider held back alone makes the request unavailable, naming the Retry-After")
    func retryAfterAlone() async throws {
        let clock = ManualPoolClock()
        let throttled = PoolError(code: .resourceExhausted, message: "429", retryAfter: .milliseconds(1500))
        let busy = ScriptedProvider(name: "a", behaviour: .fail(throttled, delay: .zero), clock: clock)
        let orchestrator = Orchestrator(configuration: try poolConfiguration(["a"]), providers: [busy], clock: clock)
        _ = await #expect(throws: PoolError.self) { try await orchestrator.infer(request()) }
        let error = await #expect(throws: PoolError.self) { try await orchestrator.infer(request()) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("a (retry after 1500 ms)") == true, "\(String(describing: error))")
        #expect(busy.calls == 1)
    }

    @Test("a provider that hangs past the request's deadline counts as failing: its breaker opens")
    func hangPastDeadline() async throws {
        let clock = ManualPoolClock()
        let hanging = ScriptedProvider(name: "a", behaviour: .hang, clock: clock)
        var config = try poolConfiguration(["a"])
        config.qos.circuitBreaker.consecutiveFailures = 3
        let orchestrator = Orchestrator(configuration: config, providers: [hanging], clock: clock)
        for _ in 0..<3 {
            let answer = Task { try await orchestrator.infer(request(deadline: .milliseconds(100))) }
            await clock.waitForSleepers(1)  // the deadline
            clock.advance(by: .milliseconds(100))
            let error = await #expect(throws: PoolError.self) { try await answer.value }
            #expect(error?.code == .deadlineExceeded)
        }
        #expect(hanging.cancellations == 3)
        try #require(orchestrator.resilience.breakers.state(of: "a") == .open)
        // Now refused at once, without calling the provider.
        let error = await #expect(throws: PoolError.self) { try await orchestrator.infer(request()) }
        #expect(error?.code == .unavailable)
        #expect(hanging.calls == 3)
    }

    @Test("a stream that never starts before the deadline counts as its provider's failure too")
    func streamHangPastDeadline() async throws {
        let clock = ManualPoolClock()
        let hanging = ScriptedProvider(name: "a", behaviour: .hang, clock: clock)
        let orchestrator = Orchestrator(configuration: try poolConfiguration(["a"]), providers: [hanging], clock: clock)
        let answer = Task { try await orchestrator.stream(request(deadline: .milliseconds(100))) { _ in } }
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(100))
        _ = await #expect(throws: PoolError.self) { try await answer.value }
        let breaker = orchestrator.resilience.breakers.breaker(for: "a").snapshot()
        #expect(breaker.failures == 1)
    }

    @Test("a stream cut by the request's deadline after its first token is not its provider's failure")
    func liveStreamCutByDeadline() async throws {
        let clock = ManualPoolClock()
        let streaming = FirstPieceThenWaits(name: "a")
        let orchestrator = Orchestrator(
            configuration: try poolConfiguration(["a"]),
            providers: [streaming],
            clock: clock
        )
        let events = EventCounter()
        let answer = Task {
            try await orchestrator.stream(request(deadline: .milliseconds(100))) { _ in events.add() }
        }
        await streaming.gate.waitForWaiters(1)  // the first piece is out
        await clock.waitForSleepers(1)  // the deadline
        clock.advance(by: .milliseconds(100))
        let error = await #expect(throws: PoolError.self) { try await answer.value }
        #expect(error?.code == .deadlineExceeded)
        #expect(events.count == 2, "started and the first delta")
        let breaker = orchestrator.resilience.breakers.breaker(for: "a").snapshot()
        #expect(breaker.calls == 0)
        #expect(breaker.inFlight == 0)
    }

    @Test("context_window_fallback answers what the task's providers cannot hold, plain and streamed")
    func contextWindowFallback() async throws {
        let small = ScriptedProvider(name: "a", behaviour: .fail(Self.contextError, delay: .zero))
        let big = ScriptedProvider(name: "big", behaviour: .answer("from big", delay: .zero))
        var config = try poolConfiguration(["a", "big"])
        config.tasks["t"]?.providers = ["a"]
        config.tasks["t"]?.contextWindowFallback = ["big"]
        let orchestrator = Orchestrator(configuration: config, providers: [small, big])
        let answer = try await orchestrator.infer(request())
        #expect(answer.provider == "big")
        #expect(answer.decision.reason.contains("context_window_fallback"))
        let streamed = try await orchestrator.stream(request()) { _ in }
        #expect(streamed.provider == "big")
        #expect(streamed.text == "from big")
        #expect(small.calls == 2)
        #expect(big.calls == 2)
    }

    @Test("without a fallback, other errors of the small provider are not sent to the big one")
    func fallbackOnlyForContext() async throws {
        let small = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .invalidArgument, message: "bad temperature"), delay: .zero)
        )
        let big = ScriptedProvider(name: "big", behaviour: .answer("from big", delay: .zero))
        var config = try poolConfiguration(["a", "big"])
        config.tasks["t"]?.providers = ["a"]
        config.tasks["t"]?.contextWindowFallback = ["big"]
        let orchestrator = Orchestrator(configuration: config, providers: [small, big])
        let error = await #expect(throws: PoolError.self) { try await orchestrator.infer(request()) }
        #expect(error?.code == .invalidArgument)
        #expect(big.calls == 0)
    }
}

/// Streams one piece, then waits (until cancelled) as a backend still generating would.
final class FirstPieceThenWaits: Provider {
    let name: String
    let model: String
    let system = "scripted"
    let serverAddress = "in-process"
    let supportedTasks: Set<String> = []
    let gate = ProviderGate()

    init(name: String) {
        self.name = name
        self.model = "\(name)-model"
    }

    func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        try await gate.wait()
        return ProviderResponse(text: "", model: model, usage: .init())
    }

    func stream(
        _ request: ProviderRequest,
        onDelta: @escaping @Sendable (String) async throws -> Void
    ) async throws -> ProviderResponse {
        try await onDelta("first")
        do {
            try await gate.wait()
        } catch {
            throw PoolError(code: .cancelled, message: "\(name) cancelled")
        }
        return ProviderResponse(text: "first", model: model, usage: .init())
    }

    func health() async -> ProviderHealth { .init(healthy: true) }
}

/// Counts stream events.
final class EventCounter: Sendable {
    private let value = Mutex(0)
    func add() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}
