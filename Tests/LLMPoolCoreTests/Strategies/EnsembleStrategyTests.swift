import LLMPoolCore
import LLMPoolObservability
import LLMPoolTesting
import Testing
import Tracing

@Suite("VOTING, CONSENSUS and JUDGE strategies")
struct EnsembleStrategyTests {
    static func context(_ providers: [ScriptedProvider], json: Bool = false) -> StrategyContext {
        StrategyContext(
            taskName: "t",
            jsonOutput: json,
            providers: providers,
            request: ProviderRequest(
                messages: [.user("question?")],
                maxTokens: 32,
                temperature: 0,
                timeout: .seconds(5)
            ),
            deadline: .now.advanced(by: .seconds(5)),
            hedgeDelay: { _ in .milliseconds(50) }
        )
    }

    static func answer(_ name: String, _ text: String, delay: Duration = .zero) -> ScriptedProvider {
        ScriptedProvider(name: name, behaviour: .answer(text, delay: delay))
    }

    @Test("VOTING: the majority wins after normalisation")
    func majority() async throws {
        let providers = [Self.answer("a", "Paris"), Self.answer("b", "  paris "), Self.answer("c", "Lyon")]
        let result = try await VotingStrategy().run(Self.context(providers))
        #expect(result.provider.name == "a")
        #expect(result.decision.strategy == .voting)
        #expect(result.decision.reason.hasPrefix("2 of"))
        let outcome = result.decision.candidates.first { $0.provider == "c" }?.outcome
        #expect(outcome == .lost || outcome == .cancelled)
    }

    @Test("VOTING: JSON answers compare canonically")
    func canonicalJSON() async throws {
        let providers = [
            Self.answer("a", #"{"x":1,"y":2}"#), Self.answer("b", #"{ "y": 2, "x": 1 }"#),
            Self.answer("c", #"{"x":3}"#),
        ]
        let result = try await VotingStrategy().run(Self.context(providers, json: true))
        #expect(result.decision.reason.hasPrefix("2 of"))
        #expect(result.provider.name == "a")
    }

    @Test("VOTING: a tie goes to the better-ranked provider")
    func tie() async throws {
        let providers = [Self.answer("a", "one"), Self.answer("b", "two")]
        let result = try await VotingStrategy().run(Self.context(providers))
        #expect(result.provider.name == "a")
        #expect(result.decision.reason.contains("tie broken by provider rank"))
    }

    @Test("VOTING: stops once the majority is certain and cancels the rest")
    func earlyStop() async throws {
        let slow = ScriptedProvider(name: "c", behaviour: .hang)
        let providers = [Self.answer("a", "same"), Self.answer("b", "same"), slow]
        let result = try await VotingStrategy().run(Self.context(providers))
        #expect(result.decision.reason.contains("stopped early"))
        #expect(result.decision.candidates.first { $0.provider == "c" }?.outcome == .cancelled)
        #expect(slow.cancellations == 1)
    }

    @Test("CONSENSUS: similar answers reach the quorum")
    func consensus() async throws {
        let providers = [Self.answer("a", "the quick brown fox jumps"), Self.answer("b", "The quick brown fox jumps!")]
        let result = try await ConsensusStrategy(threshold: 0.8, quorum: 2).run(Self.context(providers))
        #expect(result.decision.strategy == .consensus)
        #expect(result.decision.reason.contains("2 of 2 answers agree"))
    }

    @Test("CONSENSUS: disagreement is a no_consensus error, or the configured fallback")
    func noConsensus() async throws {
        let providers = [Self.answer("a", "red green blue"), Self.answer("b", "cats and dogs")]
        let error = await #expect(throws: PoolError.self) {
            try await ConsensusStrategy(quorum: 2).run(Self.context(providers))
        }
        #expect(error?.code == .noConsensus)
        let fallback = try await ConsensusStrategy(quorum: 2, fallbackToBest: true).run(Self.context(providers))
        #expect(fallback.provider.name == "a")
        #expect(fallback.decision.reason.hasPrefix("no_consensus"))
    }

    static let template = try! PromptTemplate(source: "Judge by {{criteria}}:\n{{input}}")

    @Test("JUDGE: the judge's structured choice wins and the candidates reach its prompt")
    func judgeChooses() async throws {
        let judge = ScriptedProvider(
            name: "judge",
            behaviour: .answer(#"Verdict: {"choice": 1, "reason": "more precise"}"#, delay: .zero)
        )
        let providers = [Self.answer("a", "vague answer"), Self.answer("b", "precise answer")]
        let result = try await JudgeStrategy(
            judge: judge,
            template: Self.template,
            variables: ["criteria": "precision"]
        ).run(Self.context(providers))
        #expect(result.provider.name == "b")
        #expect(result.decision.reason.contains("chose candidate 1: more precise"))
        let prompt = try #require(judge.requests.first?.messages.last?.content)
        #expect(prompt.contains("Judge by precision"))
        #expect(prompt.contains("[0]\nvague answer") && prompt.contains("[1]\nprecise answer"))
        #expect(prompt.contains("question?"))
    }

    @Test(
        "JUDGE: malformed or out-of-range output falls back to VOTING",
        arguments: ["no json here", #"{"choice": 7}"#, #"{"choice": "one"}"#]
    )
    func judgeFallback(_ output: String) async throws {
        let judge = ScriptedProvider(name: "judge", behaviour: .answer(output, delay: .zero))
        let providers = [Self.answer("a", "x"), Self.answer("b", "y"), Self.answer("c", "y")]
        let result = try await JudgeStrategy(judge: judge, template: Self.template).run(Self.context(providers))
        #expect(result.decision.strategy == .judge)
        #expect(result.decision.reason.contains("fell back to VOTING"))
        #expect(result.provider.name == "b")
    }
}

@Suite("Strategy decisions are counted and traced")
struct StrategyDecisionTests {
    static func context(
        _ providers: [any Provider],
        telemetry: PoolTelemetry,
        span: RecordedSpan? = nil,
        resilience: Resilience? = nil
    ) -> StrategyContext {
        StrategyContext(
            taskName: "t",
            providers: providers,
            request: ProviderRequest(
                messages: [.user("question?")],
                maxTokens: 32,
                temperature: 0,
                timeout: .seconds(5)
            ),
            deadline: .now.advanced(by: .seconds(5)),
            hedgeDelay: { _ in .milliseconds(50) },
            telemetry: telemetry,
            resilience: resilience,
            span: span
        )
    }

    @Test("VOTING: an early stop is counted as early_stop and traced")
    func votingEarlyStop() async throws {
        let spans = CapturedSpans()
        let telemetry = spans.telemetry()
        let span = telemetry.tracer.startSpan("strategy VOTING", ofKind: .internal)
        let providers = [
            EnsembleStrategyTests.answer("a", "same"), EnsembleStrategyTests.answer("b", "same"),
            ScriptedProvider(name: "c", behaviour: .hang),
        ]
        _ = try await VotingStrategy().run(Self.context(providers, telemetry: telemetry, span: span))
        span.end()
        #expect(telemetry.metrics.strategyDecisions.labels("VOTING", "early_stop").value == 1)
        #expect(spans.all.first?.events.map(\.name) == ["voting stopped early"])
    }

    @Test("VOTING: a tie goes to the better-scored provider's answer")
    func votingTieByScore() async throws {
        let telemetry = PoolTelemetry.makeStandalone()
        var config = PoolConfiguration()
        config.providers = ["a", "b"].map {
            ProviderConfiguration(
                name: $0,
                kind: .ollama,
                baseURL: "http://127.0.0.1:1",
                model: "m",
                weight: $0 == "b" ? 2 : 1
            )
        }
        let resilience = Resilience(configuration: config, telemetry: telemetry)
        let providers = [EnsembleStrategyTests.answer("a", "one"), EnsembleStrategyTests.answer("b", "two")]
        let result = try await VotingStrategy().run(
            Self.context(providers, telemetry: telemetry, resilience: resilience)
        )
        #expect(result.provider.name == "b")
        #expect(result.decision.reason.contains("tie broken by provider score"))
    }

    @Test("CONSENSUS: no_consensus and the fallback are counted apart")
    func consensusCounted() async throws {
        let telemetry = PoolTelemetry.makeStandalone()
        let providers = [
            EnsembleStrategyTests.answer("a", "red green blue"), EnsembleStrategyTests.answer("b", "cats and dogs"),
        ]
        await #expect(throws: PoolError.self) {
            try await ConsensusStrategy(quorum: 2).run(Self.context(providers, telemetry: telemetry))
        }
        let fallback = try await ConsensusStrategy(quorum: 2, fallbackToBest: true).run(
            Self.context(providers, telemetry: telemetry)
        )
        #expect(fallback.outcome == .fallback)
        _ = try await ConsensusStrategy(quorum: 1).run(Self.context(providers, telemetry: telemetry))
        #expect(telemetry.metrics.strategyDecisions.labels("CONSENSUS", "no_consensus").value == 1)
        #expect(telemetry.metrics.strategyDecisions.labels("CONSENSUS", "fallback").value == 1)
        #expect(telemetry.metrics.strategyDecisions.labels("CONSENSUS", "ok").value == 1)
    }

    @Test("JUDGE: a bad verdict is counted as judge_fallback and traced; a good one as ok")
    func judgeCounted() async throws {
        let spans = CapturedSpans()
        let telemetry = spans.telemetry()
        let span = telemetry.tracer.startSpan("strategy JUDGE", ofKind: .internal)
        let providers = [EnsembleStrategyTests.answer("a", "x"), EnsembleStrategyTests.answer("b", "y")]
        let bad = ScriptedProvider(name: "judge", behaviour: .answer(#"{"choice": 9}"#, delay: .zero))
        let fallback = try await JudgeStrategy(judge: bad, template: EnsembleStrategyTests.template).run(
            Self.context(providers, telemetry: telemetry, span: span)
        )
        span.end()
        #expect(fallback.outcome == .judgeFallback)
        #expect(fallback.decision.reason.contains("judge chose 9, out of range 0..<2; fell back to VOTING"))
        let good = ScriptedProvider(
            name: "judge",
            behaviour: .answer(#"{"choice": 1, "reason": "better"}"#, delay: .zero)
        )
        _ = try await JudgeStrategy(judge: good, template: EnsembleStrategyTests.template).run(
            Self.context(providers, telemetry: telemetry)
        )
        #expect(telemetry.metrics.strategyDecisions.labels("JUDGE", "judge_fallback").value == 1)
        #expect(telemetry.metrics.strategyDecisions.labels("JUDGE", "ok").value == 1)
        let event = try #require(spans.all.first?.events.first)
        #expect(event.name == "judge fallback")
        #expect(good.requests.first?.task == "judge", "the judge's latency is measured as the judge task")
    }

    @Test("a failed judge call falls back to VOTING too")
    func judgeFails() async throws {
        let telemetry = PoolTelemetry.makeStandalone()
        let providers = [EnsembleStrategyTests.answer("a", "x"), EnsembleStrategyTests.answer("b", "x")]
        let broken = ScriptedProvider(
            name: "judge",
            behaviour: .fail(PoolError(code: .upstreamFailed, message: "HTTP 500"), delay: .zero)
        )
        let result = try await JudgeStrategy(judge: broken, template: EnsembleStrategyTests.template).run(
            Self.context(providers, telemetry: telemetry)
        )
        #expect(result.decision.reason.hasPrefix("judge judge failed (HTTP 500); fell back to VOTING"))
        #expect(telemetry.metrics.strategyDecisions.labels("JUDGE", "judge_fallback").value == 1)
    }
}
