import LLMPoolCore
import LLMPoolObservability
import LLMPoolTesting
import Testing
import Tracing

@Suite("FASTEST: hedging from measured latency, budgets, retries, breakers", .timeLimit(.minutes(1)))
struct FastestStrategyTests {
    static func context(
        _ providers: [any Provider],
        telemetry: PoolTelemetry,
        resilience: Resilience,
        hedgeDelay: Duration = .milliseconds(1),
        budgetRatio: Double = 0.1,
        retry: RetryConfiguration = .defaults,
        deadline: Duration = .seconds(5),
        clock: ManualPoolClock
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
            deadline: clock.now.advanced(by: deadline),
            hedging: hedging,
            hedgeDelay: { _ in hedgeDelay },
            clock: clock,
            telemetry: telemetry,
            resilience: resilience,
            retry: retry
        )
    }

    @Test("the hedge fires at the first provider's measured p95, and the loser is cancelled")
    func hedgeAtMeasuredQuantile() async throws {
        let clock = ManualPoolClock()
        let spans = CapturedSpans()
        let telemetry = spans.telemetry()
        let slow = ScriptedProvider(name: "a", behaviour: .hang)
        let fast = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        // A static delay the test would notice: 3 s.
        let config = try poolConfiguration(["a", "b"], staticDelay: .seconds(3))
        let series = telemetry.metrics.providerLatency.labels("a", "a-model", "t")
        // 40 samples in the (25 ms, 50 ms] bucket: p95 = 25 + 25 × 38/40 = 48.75 ms.
        for _ in 0..<40 { series.observe(0.04) }
        let orchestrator = Orchestrator(
            configuration: config,
            providers: [slow, fast],
            clock: clock,
            telemetry: telemetry
        )

        async let answer = orchestrator.infer(request())
        await clock.waitForSleepers(2)  // the deadline and the hedge timer
        clock.advance(by: .milliseconds(48))
        #expect(fast.calls == 0, "no hedge before the p95")
        clock.advance(by: .milliseconds(1))
        let answered = try await answer

        #expect(answered.text == "from b")
        #expect(answered.decision.hedgesFired == 1)
        #expect(answered.latency == .milliseconds(49), "hedged at ~49 ms, not at the 3 s static delay")
        #expect(answered.decision.candidates.map(\.outcome) == [.cancelled, .won])
        #expect(slow.cancellations == 1)
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
        let clock = ManualPoolClock()
        let telemetry = PoolTelemetry.makeStandalone()
        let slow = ScriptedProvider(name: "a", behaviour: .answer("from a", delay: .milliseconds(150)), clock: clock)
        let fast = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let config = try poolConfiguration(["a", "b"], staticDelay: .seconds(3))
        for _ in 0..<10 { telemetry.metrics.providerLatency.labels("a", "a-model", "t").observe(0.01) }
        let orchestrator = Orchestrator(
            configuration: config,
            providers: [slow, fast],
            clock: clock,
            telemetry: telemetry
        )
        async let answer = orchestrator.infer(request())
        await clock.waitForSleepers(3)  // the deadline, the hedge timer and the first provider
        clock.advance(by: .milliseconds(150))
        let answered = try await answer
        #expect(answered.text == "from a")
        #expect(answered.latency == .milliseconds(150))
        #expect(answered.decision.hedgesFired == 0)
        #expect(fast.calls == 0)
    }

    @Test("hedges stay within the hedge budget")
    func hedgeBudget() async throws {
        let clock = ManualPoolClock()
        let telemetry = PoolTelemetry.makeStandalone()
        let resilience = Resilience(
            configuration: try poolConfiguration(["a", "b"]),
            telemetry: telemetry,
            now: clock.nowSource
        )
        let slow = ScriptedProvider(name: "a", behaviour: .hang)
        let fast = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        var fired = 0
        for index in 0..<20 {
            let context = Self.context(
                [slow, fast],
                telemetry: telemetry,
                resilience: resilience,
                budgetRatio: 0.1,
                clock: clock
            )
            let run = Task { try await FastestStrategy().run(context) }
            await clock.waitForSleepers(1)  // the hedge timer
            clock.advance(by: .milliseconds(1))
            // max(1, 10 % of the requests so far): the 1st and the 20th request may hedge, and the
            // hedge answers at once. The others are denied and left to the hanging provider: they
            // are cancelled, and must not have hedged meanwhile.
            if index != 0 && index != 19 { run.cancel() }
            if case .success(let result) = await run.result { fired += result.decision.hedgesFired }
        }
        #expect(fired == 2)
        #expect(fast.calls == 2)
        #expect(resilience.hedgeBudget.usage.hedges == 2)
        #expect(telemetry.metrics.hedges.labels("t", "fired").value == 2)
        #expect(
            telemetry.metrics.hedges.labels("t", "won").value + telemetry.metrics.hedges.labels("t", "lost").value == 2
        )
    }

    @Test("a retryable failure moves to the next provider and is counted")
    func retry() async throws {
        let clock = ManualPoolClock()
        let telemetry = PoolTelemetry.makeStandalone()
        let resilience = Resilience(configuration: try poolConfiguration(["a", "b"]), telemetry: telemetry)
        let failing = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .upstreamFailed, message: "HTTP 500"), delay: .zero)
        )
        let good = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let result = try await FastestStrategy().run(
            Self.context(
                [failing, good],
                telemetry: telemetry,
                resilience: resilience,
                hedgeDelay: .seconds(5),
                clock: clock
            )
        )
        #expect(result.provider.name == "b")
        #expect(result.decision.reason.contains("after 1 retry"))
        #expect(result.decision.candidates.map(\.outcome) == [.failed, .won])
        #expect(telemetry.metrics.retries.labels("t", "attempted").value == 1)
        #expect(resilience.breakers.breaker(for: "a").snapshot().failures == 1)
        #expect(clock.elapsed == .zero, "the retry went out at once, not at the hedge delay")
    }

    @Test("invalid-argument errors are not retried and do not count against the breaker")
    func notRetried() async throws {
        let clock = ManualPoolClock()
        let telemetry = PoolTelemetry.makeStandalone()
        let resilience = Resilience(configuration: try poolConfiguration(["a", "b"]), telemetry: telemetry)
        let refusing = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .invalidArgument, message: "prompt too long"), delay: .zero)
        )
        let good = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let error = await #expect(throws: PoolError.self) {
            try await FastestStrategy().run(
                Self.context(
                    [refusing, good],
                    telemetry: telemetry,
                    resilience: resilience,
                    hedgeDelay: .seconds(5),
                    clock: clock
                )
            )
        }
        #expect(error?.code == .invalidArgument)
        #expect(good.calls == 0)
        #expect(resilience.breakers.breaker(for: "a").snapshot().calls == 0)
        #expect(telemetry.metrics.strategyDecisions.labels("FASTEST", "failed").value == 1)
    }

    @Test("retries stay within the retry budget")
    func retryBudget() async throws {
        let clock = ManualPoolClock()
        let telemetry = PoolTelemetry.makeStandalone()
        let resilience = Resilience(
            configuration: try poolConfiguration(["a", "b"]),
            telemetry: telemetry,
            now: clock.nowSource
        )
        let failing = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .unavailable, message: "connection refused"), delay: .zero)
        )
        let good = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let retry = RetryConfiguration(enabled: true, budgetRatio: 0, minRetriesPerSecond: 0.2, maxAttempts: 3)
        func context() -> StrategyContext {
            Self.context(
                [failing, good],
                telemetry: telemetry,
                resilience: resilience,
                hedgeDelay: .seconds(5),
                retry: retry,
                clock: clock
            )
        }
        // The floor is 0.2/s × 10 s = 2 retries; the third request finds the budget spent.
        for _ in 0..<2 { _ = try await FastestStrategy().run(context()) }
        let error = await #expect(throws: PoolError.self) { try await FastestStrategy().run(context()) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("retry budget") == true)
        #expect(good.calls == 2)
        #expect(telemetry.metrics.retries.labels("t", "attempted").value == 2)
        #expect(telemetry.metrics.retries.labels("t", "budget_denied").value == 1)
        // Once the window has slid past them, the budget allows retries again.
        clock.advance(by: .seconds(11))
        #expect(try await FastestStrategy().run(context()).provider.name == "b")
    }

    @Test("no retry once the deadline has passed")
    func noRetryPastDeadline() async throws {
        let clock = ManualPoolClock()
        let telemetry = PoolTelemetry.makeStandalone()
        let resilience = Resilience(configuration: try poolConfiguration(["a", "b"]), telemetry: telemetry)
        let timingOut = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .deadlineExceeded, message: "timed out"), delay: .milliseconds(40)),
            clock: clock
        )
        let good = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let context = Self.context(
            [timingOut, good],
            telemetry: telemetry,
            resilience: resilience,
            hedgeDelay: .seconds(5),
            deadline: .milliseconds(30),
            clock: clock
        )
        async let result = FastestStrategy().run(context)
        await clock.waitForSleepers(2)  // the first provider and the hedge timer
        clock.advance(by: .milliseconds(40))
        var error: PoolError?
        do { _ = try await result } catch let failure as PoolError { error = failure }
        #expect(error?.code == .deadlineExceeded)
        #expect(good.calls == 0)
    }

    @Test("a cancelled hedge loser does not count against its breaker")
    func loserNotCounted() async throws {
        let clock = ManualPoolClock()
        let telemetry = PoolTelemetry.makeStandalone()
        let resilience = Resilience(configuration: try poolConfiguration(["a", "b"]), telemetry: telemetry)
        let slow = ScriptedProvider(name: "a", behaviour: .hang)
        let fast = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let context = Self.context(
            [slow, fast],
            telemetry: telemetry,
            resilience: resilience,
            budgetRatio: 1,
            clock: clock
        )
        for _ in 0..<3 {
            async let result = FastestStrategy().run(context)
            await clock.waitForSleepers(1)  // the hedge timer
            clock.advance(by: .milliseconds(1))
            #expect(try await result.decision.hedgesFired == 1)
        }
        #expect(slow.cancellations == 3)
        #expect(resilience.breakers.breaker(for: "a").snapshot().calls == 0)
        #expect(resilience.breakers.breaker(for: "b").snapshot().calls == 3)
    }

    @Test("an open breaker removes its provider before the strategy runs; all open is unavailable, naming them")
    func breakerGatesRouting() async throws {
        let clock = ManualPoolClock()
        let config = try poolConfiguration(["a", "b"])
        let a = ScriptedProvider(name: "a", behaviour: .answer("from a", delay: .zero))
        let b = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        // The orchestrator's own Resilience: its breakers run on the orchestrator's clock.
        let orchestrator = Orchestrator(configuration: config, providers: [a, b], clock: clock)
        let resilience = orchestrator.resilience
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
        clock.advance(by: .seconds(10))
        _ = try await orchestrator.infer(request())
        #expect(resilience.breakers.state(of: "a") == .closed)
    }
}

extension FastestStrategyTests {
    @Test("a streamed decision lists the providers an open breaker kept out as skipped, as a unary one does")
    func streamedDecisionListsSkipped() async throws {
        let clock = ManualPoolClock()
        let a = ScriptedProvider(name: "a", behaviour: .answer("from a", delay: .zero))
        let b = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let orchestrator = Orchestrator(
            configuration: try poolConfiguration(["a", "b"]),
            providers: [a, b],
            clock: clock
        )
        let breaker = orchestrator.resilience.breakers.breaker(for: "a")
        for _ in 0..<5 { if let permit = breaker.acquire() { breaker.record(permit, .failure) } }

        let answer = try await orchestrator.stream(request()) { _ in }
        #expect(answer.provider == "b")
        #expect(a.calls == 0)
        #expect(answer.decision.candidates.map(\.provider) == ["b", "a"])
        #expect(answer.decision.candidates.map(\.outcome) == [.won, .skipped])
        #expect(answer.decision.candidates.last?.error?.contains("open") == true)
    }

    @Test("streaming FASTEST feeds the breakers and counts its hedges")
    func streaming() async throws {
        let clock = ManualPoolClock()
        let telemetry = PoolTelemetry.makeStandalone()
        let config = try poolConfiguration(["a", "b", "c"], staticDelay: .milliseconds(200))
        let failing = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .upstreamFailed, message: "HTTP 500"), delay: .zero)
        )
        let gate = ProviderGate()
        let slow = ScriptedProvider(name: "b", behaviour: .gated("from b", gate))
        let fast = ScriptedProvider(name: "c", behaviour: .answer("from c", delay: .zero))
        let orchestrator = Orchestrator(
            configuration: config,
            providers: [failing, slow, fast],
            clock: clock,
            telemetry: telemetry
        )
        async let streamed = orchestrator.stream(request()) { _ in }
        await gate.waitForWaiters(1)  // a failed and b took over at once
        await clock.waitForSleepers(2)  // the deadline and the hedge timer
        clock.advance(by: .milliseconds(200))
        let answer = try await streamed
        #expect(answer.provider == "c")
        #expect(answer.latency == .milliseconds(200))
        #expect(answer.decision.hedgesFired == 1)
        #expect(answer.decision.candidates.map(\.outcome) == [.failed, .cancelled, .won])
        #expect(orchestrator.resilience.breakers.breaker(for: "a").snapshot().failures == 1)
        #expect(orchestrator.resilience.breakers.breaker(for: "c").snapshot().calls == 1)
        #expect(slow.cancellations == 1, "the loser had ended when stream returned")
        #expect(
            orchestrator.resilience.breakers.breaker(for: "b").snapshot().calls == 0,
            "a cancelled loser says nothing"
        )
        #expect(telemetry.metrics.hedges.labels("t", "fired").value == 1)
        #expect(telemetry.metrics.hedges.labels("t", "won").value == 1)
    }
}
