import LLMPoolCore
import LLMPoolObservability
import Testing

@Suite("WEIGHTED: scores from telemetry move traffic away and back")
struct WeightedStrategyTests {
    /// An orchestrator over two virtual-latency providers, on a manual clock for the metrics
    /// window, breakers and budgets.
    struct Pool {
        let time = ManualTime()
        let telemetry: PoolTelemetry
        let resilience: Resilience
        let a: VirtualLatencyProvider
        let b: VirtualLatencyProvider
        let orchestrator: Orchestrator

        init(selection: WeightedConfiguration.Selection = .pick, random: @escaping @Sendable () -> Double = { 0.5 })
            throws
        {
            let time = self.time
            telemetry = PoolTelemetry(
                metrics: PoolMetrics(registry: MetricsRegistry(now: time.source)),
                tracer: PoolTelemetry.standalone.tracer
            )
            var config = try poolConfiguration(["a", "b"], strategy: .weighted)
            config.qos.weighted.selection = selection
            config.qos.weighted.minSamples = 5
            resilience = Resilience(configuration: config, telemetry: telemetry, now: time.source)
            a = VirtualLatencyProvider(name: "a", latency: .milliseconds(20), metrics: telemetry.metrics)
            b = VirtualLatencyProvider(name: "b", latency: .milliseconds(80), metrics: telemetry.metrics)
            orchestrator = Orchestrator(
                configuration: config,
                providers: [a, b],
                strategies: [WeightedStrategy(random: random)],
                telemetry: telemetry,
                resilience: resilience
            )
        }

        /// Sends `count` requests; returns who answered each.
        func send(_ count: Int) async throws -> [String] {
            var winners: [String] = []
            for _ in 0..<count { winners.append(try await orchestrator.infer(request()).provider) }
            return winners
        }

        func score(_ provider: String) -> Double {
            telemetry.metrics.providerScore.labels(provider, "t").value
        }
    }

    @Test("pick: a provider that slows down loses its traffic within a few requests, and wins it back after recovery")
    func latencyShift() async throws {
        let pool = try Pool()
        // Warm-up: both are measured (each unmeasured provider is tried first), then a is faster.
        let warm = try await pool.send(40)
        #expect(warm.filter { $0 == "b" }.count == 5)
        #expect(warm.suffix(30).allSatisfy { $0 == "a" })
        #expect(pool.score("a") > pool.score("b"))

        pool.a.setLatency(.milliseconds(400))
        let slow = try await pool.send(20)
        // Its p90 reaches the slow calls after 4 of them (35 fast samples in the window).
        #expect(slow.filter { $0 == "a" }.count <= 5, "\(slow)")
        #expect(slow.suffix(15).allSatisfy { $0 == "b" }, "\(slow)")
        #expect(pool.score("b") > pool.score("a"))

        // Recovery: once the window forgets the slow calls, a is measured again and wins.
        pool.a.setLatency(.milliseconds(20))
        pool.time.advance(by: .seconds(61))
        let recovered = try await pool.send(30)
        #expect(recovered.filter { $0 == "a" }.count >= 20, "\(recovered)")
        #expect(recovered.suffix(10).allSatisfy { $0 == "a" }, "\(recovered)")
    }

    @Test(
        "pick: a failing provider loses its traffic once its breaker opens, requests retried meanwhile; a probe wins it back"
    )
    func failureShift() async throws {
        let pool = try Pool()
        _ = try await pool.send(20)
        let callsBefore = pool.a.calls

        pool.a.setFailing(true)
        let failing = try await pool.send(20)
        #expect(failing.allSatisfy { $0 == "b" }, "every request was retried on b")
        #expect(pool.a.calls - callsBefore == 5, "consecutive_failures = 5 opens the breaker")
        #expect(pool.resilience.breakers.state(of: "a") == .open)
        #expect(pool.score("a") == 0)
        #expect(pool.telemetry.metrics.retries.labels("t", "attempted").value == 5)

        pool.a.setFailing(false)
        pool.time.advance(by: .seconds(10))
        let recovered = try await pool.send(10)
        #expect(recovered.allSatisfy { $0 == "a" }, "the first request probes a, then a's latency wins: \(recovered)")
        #expect(pool.resilience.breakers.state(of: "a") == .closed)
    }

    @Test("weighted_random: traffic follows the scores")
    func weightedRandom() async throws {
        let pool = try Pool(selection: .weightedRandom, random: { Double.random(in: 0..<1) })
        _ = try await pool.send(40)
        // Measured: a at 20 ms, b at 80 ms, so b's latency factor is about a quarter of a's.
        let winners = try await pool.send(400)
        let toB = Double(winners.filter { $0 == "b" }.count) / 400
        let expected = pool.score("b") / (pool.score("a") + pool.score("b"))
        #expect(abs(toB - expected) < 0.08, "b took \(toB), its share of the score is \(expected)")

        pool.a.setLatency(.milliseconds(400))
        _ = try await pool.send(200)
        let after = try await pool.send(200)
        #expect(after.filter { $0 == "b" }.count > 140, "b now has the better score")
    }

    @Test("the decision names the scores, and a non-retryable failure is not retried")
    func decision() async throws {
        let pool = try Pool()
        let answer = try await pool.orchestrator.infer(request())
        #expect(answer.decision.strategy == .weighted)
        #expect(answer.decision.reason.contains("scores: a 1.0, b 1.0"), "\(answer.decision.reason)")
        #expect(pool.telemetry.metrics.strategyDecisions.labels("WEIGHTED", "ok").value == 1)
    }
}

@Suite("Provider scores")
struct ProviderScorerTests {
    @Test("the formula: weight × latency × success² × penalties")
    func formula() throws {
        let time = ManualTime()
        let metrics = PoolMetrics(registry: MetricsRegistry(now: time.source))
        let breakers = CircuitBreakerRegistry(configuration: .defaults, metrics: metrics, now: time.source)
        let health = ProviderHealthBoard()
        let scorer = ProviderScorer(metrics: metrics, breakers: breakers, health: health) { provider, _ in
            provider == "c" ? 4 : nil
        }
        let providers = ["a", "b", "c"].map { VirtualLatencyProvider(name: $0, latency: .zero, metrics: metrics) }
        // a: p90 in (50, 100] ms; b: p90 in (100, 250] ms, so about half as fast.
        for _ in 0..<10 { metrics.providerLatency.labels("a", "a-model", "t").observe(0.06) }
        for _ in 0..<10 { metrics.providerLatency.labels("b", "b-model", "t").observe(0.2) }
        // b: 1 failure in 4 calls → (3 + 1) / (4 + 1) = 0.8, squared 0.64.
        for outcome in [CircuitBreaker.Outcome.success, .success, .success, .failure] {
            let breaker = breakers.breaker(for: "b")
            breaker.record(try #require(breaker.acquire()), outcome)
        }
        health.set("c", healthy: false)
        let scores = scorer.scores(
            for: providers,
            task: "t",
            weights: ["a": 1, "b": 2, "c": 1],
            configuration: .init(minSamples: 5)
        )
        let latencyA = try #require(scores[0].latency)
        let latencyB = try #require(scores[1].latency)
        #expect(scores[0].value == 1)
        #expect(abs(scores[1].value - 2 * (latencyA / latencyB) * 0.64) < 1e-9)
        // c: unmeasured (latency factor 1), burn rate 4, unhealthy: 1 / 4 × 0.1.
        #expect(scores[2].latency == nil)
        #expect(abs(scores[2].value - 0.025) < 1e-9)
        #expect(metrics.providerScore.labels("c", "t").value == scores[2].value)
    }

    @Test("open is excluded with score 0; half-open is penalised")
    func breakerStates() throws {
        let time = ManualTime()
        let metrics = PoolMetrics(registry: MetricsRegistry(now: time.source))
        var configuration = CircuitBreakerConfiguration.defaults
        configuration.consecutiveFailures = 1
        let breakers = CircuitBreakerRegistry(configuration: configuration, now: time.source)
        let scorer = ProviderScorer(metrics: metrics, breakers: breakers, health: ProviderHealthBoard())
        let providers = [VirtualLatencyProvider(name: "a", latency: .zero, metrics: metrics)]
        let breaker = breakers.breaker(for: "a")
        breaker.record(try #require(breaker.acquire()), .failure)
        let open = scorer.scores(for: providers, task: "t", weights: [:], configuration: .defaults)[0]
        #expect(open.excluded && open.value == 0)
        time.advance(by: configuration.cooldown)
        let halfOpen = scorer.scores(for: providers, task: "t", weights: [:], configuration: .defaults)[0]
        #expect(!halfOpen.excluded)
        // Success rate (0 + 1) / (1 + 1) = 0.5, squared 0.25, × the 0.2 penalty.
        #expect(abs(halfOpen.value - 0.05) < 1e-9)
    }
}
