import LLMPoolCore
import LLMPoolObservability
import LLMPoolTesting
import Testing
import Tracing

@Suite("FASTEST: hedging from measured latency, budgets, retries, breakers")
struct FastestStrategyTests {
    static func context(
        _ providers: [any Provider],
        telemetry: PoolTelemetry,
        resilience: Resilience,
        hedgeDelay: Duration = .milliseconds(1),
        budgetRatio: Double = 0.1,
        retry: RetryConfiguration = .defaults,
        deadline: Duration = .seconds(5)
    ) -> StrategyContext {
        var hedging = HedgingConfiguration.defaults
        hedging.budgetRatio = budgetRatio
        return StrategyContext(
            taskName: "t",
            providers: providers,
            request: ProviderRequest(
                messages: [.user("q")],
                maxTokens: 8,
                temperature: 0,
                timeout: deadline,
                task: "t"
            ),
            deadline: .now.advanced(by: deadline),
            hedging: hedging,
            hedgeDelay: { _ in hedgeDelay },
            telemetry: telemetry,
            resilience: resilience,
            retry: retry
        )
    }

    @Test("the hedge fires at the first provider's measured p95, and the loser is cancelled")
    func hedgeAtMeasuredQuantile() async throws {
        let spans = CapturedSpans()
        let telemetry = spans.telemetry()
        let slow = ScriptedProvider(name: "a", behaviour: .hang)
        let fast = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .milliseconds(1)))
        // A static delay the test would notice: 3 s.
        let config = try poolConfiguration(["a", "b"], staticDelay: .seconds(3))
        let series = telemetry.metrics.providerLatency.labels("a", "a-model", "t")
        // 40 samples in the (25 ms, 50 ms] bucket: p95 = 25 + 25 × 38/40 = 48.75 ms.
        for _ in 0..<40 { series.observe(0.04) }
        let orchestrator = Orchestrator(configuration: config, providers: [slow, fast], telemetry: telemetry)

        let answer = try await orchestrator.infer(request())

        #expect(answer.text == "from b")
        #expect(answer.decision.hedgesFired == 1)
        #expect(
            answer.latency >= .milliseconds(45) && answer.latency < .seconds(1),
            "hedged after ~49 ms, not the 3 s static delay: \(answer.latency)"
        )
        #expect(answer.decision.candidates.map(\.outcome) == [.cancelled, .won])
        try await waitUntil { slow.cancellations == 1 }
        #expect(telemetry.metrics.hedges.labels("t", "fired").value == 1)
        #expect(telemetry.metrics.hedges.labels("t", "won").value == 1)
        #expect(telemetry.metrics.strategyDecisions.labels("FASTEST", "ok").value == 1)
        // Traced: a `hedge` span, and the event on the strategy step's span.
        let hedge = try #require(spans.all.first { $0.name == "hedge" })
        #expect(hedge.attributes.get("llm_pool.provider") == .string("b"))
        let strategy = try #require(spans.all.first { $0.name.hasPrefix("strategy") })
        #expect(strategy.events.map(\.name).contains("hedge fired"))
        #expect(hedge.parentSpanID == strategy.context.spanID)
    }

    @Test("with too few samples the static delay applies")
    func staticUntilMeasured() async throws {
        let telemetry = PoolTelemetry.makeStandalone()
        let slow = ScriptedProvider(name: "a", behaviour: .answer("from a", delay: .milliseconds(150)))
        let fast = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .milliseconds(1)))
        let config = try poolConfiguration(["a", "b"], staticDelay: .seconds(3))
        for _ in 0..<10 { telemetry.metrics.providerLatency.labels("a", "a-model", "t").observe(0.01) }
        let answer = try await Orchestrator(configuration: config, providers: [slow, fast], telemetry: telemetry).infer(
            request()
        )
        #expect(answer.text == "from a")
        #expect(answer.decision.hedgesFired == 0)
        #expect(fast.calls == 0)
    }

    @Test("hedges stay within the hedge budget; denied hedges are counted")
    func hedgeBudget() async throws {
        let time = ManualTime()
        let telemetry = PoolTelemetry.makeStandalone()
        let resilience = Resilience(
            configuration: try poolConfiguration(["a", "b"]),
            telemetry: telemetry,
            now: time.source
        )
        let slow = ScriptedProvider(name: "a", behaviour: .answer("from a", delay: .milliseconds(20)))
        let fast = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        var fired = 0
        for _ in 0..<20 {
            let result = try await FastestStrategy().run(
                Self.context([slow, fast], telemetry: telemetry, resilience: resilience, budgetRatio: 0.1)
            )
            fired += result.decision.hedgesFired
        }
        // max(1, 10 % of the requests so far): the 1st and the 20th request may hedge.
        #expect(fired == 2)
        #expect(fast.calls == 2)
        #expect(telemetry.metrics.hedges.labels("t", "fired").value == 2)
        #expect(telemetry.metrics.hedges.labels("t", "budget_denied").value == 18)
        #expect(
            telemetry.metrics.hedges.labels("t", "won").value + telemetry.metrics.hedges.labels("t", "lost").value == 2
        )
    }

    @Test("a retryable failure moves to the next provider and is counted")
    func retry() async throws {
        let telemetry = PoolTelemetry.makeStandalone()
        let resilience = Resilience(configuration: try poolConfiguration(["a", "b"]), telemetry: telemetry)
        let failing = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .upstreamFailed, message: "HTTP 500"), delay: .zero)
        )
        let good = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let result = try await FastestStrategy().run(
            Self.context([failing, good], telemetry: telemetry, resilience: resilience, hedgeDelay: .seconds(5))
        )
        #expect(result.provider.name == "b")
        #expect(result.decision.reason.contains("after 1 retry"))
        #expect(result.decision.candidates.map(\.outcome) == [.failed, .won])
        #expect(telemetry.metrics.retries.labels("t", "attempted").value == 1)
        #expect(resilience.breakers.breaker(for: "a").snapshot().failures == 1)
    }

    @Test("invalid-argument errors are not retried and do not count against the breaker")
    func notRetried() async throws {
        let telemetry = PoolTelemetry.makeStandalone()
        let resilience = Resilience(configuration: try poolConfiguration(["a", "b"]), telemetry: telemetry)
        let refusing = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .invalidArgument, message: "prompt too long"), delay: .zero)
        )
        let good = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let error = await #expect(throws: PoolError.self) {
            try await FastestStrategy().run(
                Self.context([refusing, good], telemetry: telemetry, resilience: resilience, hedgeDelay: .seconds(5))
            )
        }
        #expect(error?.code == .invalidArgument)
        #expect(good.calls == 0)
        #expect(resilience.breakers.breaker(for: "a").snapshot().calls == 0)
        #expect(telemetry.metrics.strategyDecisions.labels("FASTEST", "failed").value == 1)
    }

    @Test("retries stay within the retry budget")
    func retryBudget() async throws {
        let telemetry = PoolTelemetry.makeStandalone()
        let resilience = Resilience(
            configuration: try poolConfiguration(["a", "b"]),
            telemetry: telemetry,
            now: ManualTime().source
        )
        let failing = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .unavailable, message: "connection refused"), delay: .zero)
        )
        let good = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let retry = RetryConfiguration(enabled: true, budgetRatio: 0, minRetriesPerSecond: 0.2, maxAttempts: 3)
        // The floor is 0.2/s × 10 s = 2 retries; the third request finds the budget spent.
        for _ in 0..<2 {
            _ = try await FastestStrategy().run(
                Self.context(
                    [failing, good],
                    telemetry: telemetry,
                    resilience: resilience,
                    hedgeDelay: .seconds(5),
                    retry: retry
                )
            )
        }
        let error = await #expect(throws: PoolError.self) {
            try await FastestStrategy().run(
                Self.context(
                    [failing, good],
                    telemetry: telemetry,
                    resilience: resilience,
                    hedgeDelay: .seconds(5),
                    retry: retry
                )
            )
        }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("retry budget") == true)
        #expect(good.calls == 2)
        #expect(telemetry.metrics.retries.labels("t", "attempted").value == 2)
        #expect(telemetry.metrics.retries.labels("t", "budget_denied").value == 1)
    }

    @Test("no retry once the deadline has passed")
    func noRetryPastDeadline() async throws {
        let telemetry = PoolTelemetry.makeStandalone()
        let resilience = Resilience(configuration: try poolConfiguration(["a", "b"]), telemetry: telemetry)
        let timingOut = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .deadlineExceeded, message: "timed out"), delay: .milliseconds(40))
        )
        let good = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let error = await #expect(throws: PoolError.self) {
            try await FastestStrategy().run(
                Self.context(
                    [timingOut, good],
                    telemetry: telemetry,
                    resilience: resilience,
                    hedgeDelay: .seconds(5),
                    deadline: .milliseconds(30)
                )
            )
        }
        #expect(error?.code == .deadlineExceeded)
        #expect(good.calls == 0)
    }

    @Test("a cancelled hedge loser does not count against its breaker")
    func loserNotCounted() async throws {
        let telemetry = PoolTelemetry.makeStandalone()
        let resilience = Resilience(configuration: try poolConfiguration(["a", "b"]), telemetry: telemetry)
        let slow = ScriptedProvider(name: "a", behaviour: .hang)
        let fast = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        for _ in 0..<3 {
            _ = try await FastestStrategy().run(
                Self.context([slow, fast], telemetry: telemetry, resilience: resilience, budgetRatio: 1)
            )
        }
        try await waitUntil { slow.cancellations == 3 }
        #expect(resilience.breakers.breaker(for: "a").snapshot().calls == 0)
        #expect(resilience.breakers.breaker(for: "b").snapshot().calls == 3)
    }

    @Test("an open breaker removes its provider before the strategy runs; all open is unavailable, naming them")
    func breakerGatesRouting() async throws {
        let time = ManualTime()
        let telemetry = PoolTelemetry.makeStandalone()
        let config = try poolConfiguration(["a", "b"])
        let resilience = Resilience(configuration: config, telemetry: telemetry, now: time.source)
        let a = ScriptedProvider(name: "a", behaviour: .answer("from a", delay: .zero))
        let b = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let orchestrator = Orchestrator(
            configuration: config,
            providers: [a, b],
            telemetry: telemetry,
            resilience: resilience
        )
        func trip(_ name: String) {
            let breaker = resilience.breakers.breaker(for: name)
            for _ in 0..<5 { if let permit = breaker.acquire() { breaker.record(permit, .failure) } }
        }
        trip("a")
        let answer = try await orchestrator.infer(request())
        #expect(answer.provider == "b")
        #expect(a.calls == 0)
        #expect(answer.decision.candidates.last?.provider == "a")
        #expect(answer.decision.candidates.last?.outcome == .skipped)
        trip("b")
        let error = await #expect(throws: PoolError.self) { try await orchestrator.infer(request()) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("a (open), b (open)") == true, "\(String(describing: error))")
        // After the cool-down a probe goes through and a success closes the breaker.
        time.advance(by: .seconds(10))
        _ = try await orchestrator.infer(request())
        #expect(resilience.breakers.state(of: "a") == .closed)
    }
}

extension FastestStrategyTests {
    @Test("streaming FASTEST feeds the breakers and counts its hedges")
    func streaming() async throws {
        let telemetry = PoolTelemetry.makeStandalone()
        let config = try poolConfiguration(["a", "b", "c"], staticDelay: .milliseconds(200))
        let failing = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .upstreamFailed, message: "HTTP 500"), delay: .zero)
        )
        let slow = ScriptedProvider(name: "b", behaviour: .hang)
        let fast = ScriptedProvider(name: "c", behaviour: .answer("from c", delay: .zero))
        let orchestrator = Orchestrator(configuration: config, providers: [failing, slow, fast], telemetry: telemetry)
        var final: InferenceAnswer?
        for try await event in orchestrator.stream(request()) {
            if case .completed(let answer) = event { final = answer }
        }
        let answer = try #require(final)
        #expect(answer.provider == "c")
        #expect(answer.decision.hedgesFired == 1)
        #expect(orchestrator.resilience.breakers.breaker(for: "a").snapshot().failures == 1)
        #expect(orchestrator.resilience.breakers.breaker(for: "c").snapshot().calls == 1)
        try await waitUntil { slow.cancellations == 1 }
        #expect(
            orchestrator.resilience.breakers.breaker(for: "b").snapshot().calls == 0,
            "a cancelled loser says nothing"
        )
        #expect(telemetry.metrics.hedges.labels("t", "fired").value == 1)
        #expect(telemetry.metrics.hedges.labels("t", "won").value == 1)
    }
}

/// Polls `condition` every few milliseconds for at most two seconds.
func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<400 where !condition() {
        try await Task.sleep(for: .milliseconds(5))
    }
    #expect(condition())
}
