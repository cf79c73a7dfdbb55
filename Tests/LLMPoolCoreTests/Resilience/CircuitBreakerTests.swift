import LLMPoolCore
import LLMPoolObservability
import Testing

@Suite("Circuit breaker: transitions, windows, probes, metrics")
struct CircuitBreakerTests {
    static func configuration(
        consecutive: Int = 3,
        rate: Double = 0.5,
        minimumCalls: Int = 4,
        window: Duration = .seconds(30),
        cooldown: Duration = .seconds(10),
        probes: Int = 1
    ) -> CircuitBreakerConfiguration {
        var configuration = CircuitBreakerConfiguration.defaults
        configuration.consecutiveFailures = consecutive
        configuration.failureRate = rate
        configuration.minimumCalls = minimumCalls
        configuration.window = window
        configuration.cooldown = cooldown
        configuration.halfOpenProbes = probes
        return configuration
    }

    static func call(_ breaker: CircuitBreaker, _ outcome: CircuitBreaker.Outcome) {
        guard let permit = breaker.acquire() else {
            Issue.record("the breaker refused a call")
            return
        }
        breaker.record(permit, outcome)
    }

    @Test("closed → open on consecutive failures")
    func consecutiveFailures() {
        let time = ManualTime()
        let breaker = CircuitBreaker(
            name: "a",
            configuration: Self.configuration(consecutive: 3, minimumCalls: 100),
            now: time.source
        )
        Self.call(breaker, .failure)
        Self.call(breaker, .failure)
        #expect(breaker.state == .closed)
        Self.call(breaker, .failure)
        #expect(breaker.state == .open)
        #expect(breaker.acquire() == nil)
    }

    @Test("a success resets the consecutive count")
    func successResets() {
        let time = ManualTime()
        let breaker = CircuitBreaker(
            name: "a",
            configuration: Self.configuration(consecutive: 3, minimumCalls: 100),
            now: time.source
        )
        for _ in 0..<5 {
            Self.call(breaker, .failure)
            Self.call(breaker, .failure)
            Self.call(breaker, .success)
        }
        #expect(breaker.state == .closed)
    }

    @Test("closed → open on the failure rate over the window, once the minimum calls are reached")
    func failureRate() {
        let time = ManualTime()
        let breaker = CircuitBreaker(
            name: "a",
            configuration: Self.configuration(consecutive: 100, rate: 0.5, minimumCalls: 6),
            now: time.source
        )
        for outcome in [CircuitBreaker.Outcome.failure, .success, .failure, .success, .failure] {
            Self.call(breaker, outcome)
        }
        // 3 of 5 failed, but 5 calls are fewer than the minimum of 6.
        #expect(breaker.state == .closed)
        Self.call(breaker, .success)
        #expect(breaker.state == .closed)  // 3 of 6 = 50 %, checked on the next failure
        Self.call(breaker, .failure)  // 4 of 7 ≥ 50 %
        #expect(breaker.state == .open)
    }

    @Test("failures older than the window no longer count")
    func windowSlides() {
        let time = ManualTime()
        let breaker = CircuitBreaker(
            name: "a",
            configuration: Self.configuration(consecutive: 100, rate: 0.5, minimumCalls: 4, window: .seconds(10)),
            now: time.source
        )
        for _ in 0..<3 { Self.call(breaker, .failure) }
        time.advance(by: .seconds(11))
        #expect(breaker.snapshot().calls == 0)
        Self.call(breaker, .success)
        Self.call(breaker, .success)
        Self.call(breaker, .success)
        Self.call(breaker, .failure)  // 1 of 4 in the window
        #expect(breaker.state == .closed)
    }

    @Test("open → half-open after the cool-down; a successful probe closes it")
    func probeSucceeds() throws {
        let time = ManualTime()
        let breaker = CircuitBreaker(
            name: "a",
            configuration: Self.configuration(consecutive: 1, cooldown: .seconds(10)),
            now: time.source
        )
        Self.call(breaker, .failure)
        #expect(breaker.state == .open)
        time.advance(by: .seconds(9))
        #expect(breaker.acquire() == nil)
        time.advance(by: .seconds(1))
        #expect(breaker.state == .halfOpen)
        let probe = try #require(breaker.acquire())
        #expect(probe.isProbe)
        #expect(breaker.acquire() == nil, "only half_open_probes calls go through")
        #expect(breaker.record(probe, .success).map(\.to) == [.closed])
        #expect(breaker.state == .closed)
        #expect(breaker.snapshot().calls == 0, "a closed breaker starts with a clean window")
    }

    @Test("half-open → open again when the probe fails, for another cool-down")
    func probeFails() throws {
        let time = ManualTime()
        let breaker = CircuitBreaker(
            name: "a",
            configuration: Self.configuration(consecutive: 1, cooldown: .seconds(10)),
            now: time.source
        )
        Self.call(breaker, .failure)
        time.advance(by: .seconds(10))
        let probe = try #require(breaker.acquire())
        breaker.record(probe, .failure)
        #expect(breaker.state == .open)
        time.advance(by: .seconds(9))
        #expect(breaker.state == .open)
        time.advance(by: .seconds(1))
        #expect(breaker.state == .halfOpen)
    }

    @Test("half_open_probes calls go through; a cancelled probe frees its slot")
    func probeSlots() throws {
        let time = ManualTime()
        let breaker = CircuitBreaker(
            name: "a",
            configuration: Self.configuration(consecutive: 1, cooldown: .seconds(1), probes: 2),
            now: time.source
        )
        Self.call(breaker, .failure)
        time.advance(by: .seconds(1))
        let first = try #require(breaker.acquire())
        _ = try #require(breaker.acquire())
        #expect(breaker.acquire() == nil)
        breaker.record(first, .ignored)
        #expect(breaker.acquire() != nil)
        #expect(breaker.state == .halfOpen)
    }

    @Test("cancellations and results of calls started before a transition do not count")
    func ignoredAndStale() throws {
        let time = ManualTime()
        let breaker = CircuitBreaker(
            name: "a",
            configuration: Self.configuration(consecutive: 2, cooldown: .seconds(1)),
            now: time.source
        )
        for _ in 0..<10 { Self.call(breaker, .ignored) }
        #expect(breaker.state == .closed)
        #expect(breaker.snapshot().calls == 0)
        let early = try #require(breaker.acquire())
        Self.call(breaker, .failure)
        Self.call(breaker, .failure)
        #expect(breaker.state == .open)
        time.advance(by: .seconds(1))
        // A success of a call started while closed says nothing about the probe.
        breaker.record(early, .success)
        #expect(breaker.state == .halfOpen)
    }

    @Test("a disabled breaker counts but never opens")
    func disabled() {
        var configuration = Self.configuration(consecutive: 1)
        configuration.enabled = false
        let breaker = CircuitBreaker(name: "a", configuration: configuration, now: ManualTime().source)
        for _ in 0..<20 { Self.call(breaker, .failure) }
        #expect(breaker.state == .closed)
        #expect(breaker.snapshot().failures == 20)
    }

    @Test("the registry exports states and transitions, one breaker per provider")
    func registryMetrics() throws {
        let time = ManualTime()
        let metrics = PoolMetrics(registry: MetricsRegistry())
        let registry = CircuitBreakerRegistry(
            configuration: Self.configuration(consecutive: 1, cooldown: .seconds(5)),
            metrics: metrics,
            now: time.source
        )
        #expect(registry.breaker(for: "a") === registry.breaker(for: "a"))
        Self.call(registry.breaker(for: "a"), .failure)
        #expect(registry.state(of: "a") == .open)
        #expect(registry.state(of: "b") == .closed)
        #expect(metrics.circuitBreakerState.labels("a").value == 2)
        time.advance(by: .seconds(5))
        #expect(registry.state(of: "a") == .halfOpen)
        #expect(metrics.circuitBreakerState.labels("a").value == 1)
        let probe = try #require(registry.breaker(for: "a").acquire())
        registry.breaker(for: "a").record(probe, .success)
        #expect(metrics.circuitBreakerState.labels("a").value == 0)
        #expect(metrics.circuitBreakerTransitions.labels("a", "open").value == 1)
        #expect(metrics.circuitBreakerTransitions.labels("a", "half_open").value == 1)
        #expect(metrics.circuitBreakerTransitions.labels("a", "closed").value == 1)
        #expect(registry.states == ["a": .closed, "b": .closed])
    }
}
