import LLMPoolObservability
import Tracing

extension StrategyContext {
    /// Runs a strategy's algorithm and records what it decided: a `breaker rejected` event per
    /// provider its breaker kept out, those providers appended to the decision as `skipped`
    /// candidates, and one `llm_pool_strategy_decisions_total{strategy,outcome}` increment (the
    /// result's outcome, or `no_consensus` / `failed` for errors).
    public func recordingDecision(_ kind: StrategyKind, _ body: () async throws -> StrategyResult) async throws
        -> StrategyResult
    {
        for rejection in skipped {
            event(
                "breaker rejected",
                [
                    "llm_pool.provider": .string(rejection.provider.name),
                    "llm_pool.circuit_breaker.state": .string(rejection.state.description),
                ]
            )
        }
        do {
            var result = try await body()
            result.decision.candidates += skippedCandidates
            countDecision(kind, result.outcome.rawValue)
            return result
        } catch {
            countDecision(kind, (error as? PoolError)?.code == .noConsensus ? "no_consensus" : "failed")
            throw error
        }
    }

    /// The providers routing kept out (open breaker, `Retry-After`), as the decision's `skipped`
    /// candidates: every strategy's decision, streamed or not, lists them after those it called.
    var skippedCandidates: [EnsembleDecision.Candidate] {
        skipped.map {
            .init(
                provider: $0.provider.name,
                model: $0.provider.model,
                latency: .zero,
                outcome: .skipped,
                error: $0.reason
            )
        }
    }

    /// Adds an event to the strategy step's span, if it is traced.
    public func event(_ name: String, _ attributes: SpanAttributes = [:]) {
        guard let span, span.isRecording else { return }
        span.addEvent(SpanEvent(name: name, attributes: attributes))
    }

    /// Counts a hedge: `fired`, `won`, `lost` or `budget_denied`.
    func countHedge(_ outcome: String) {
        guard telemetry.isEnabled else { return }
        telemetry.metrics.hedges.labels(taskName, outcome).increment()
    }

    /// Counts a retry: `attempted` or `budget_denied`.
    func countRetry(_ outcome: String) {
        guard telemetry.isEnabled else { return }
        telemetry.metrics.retries.labels(taskName, outcome).increment()
    }

    private func countDecision(_ kind: StrategyKind, _ outcome: String) {
        guard telemetry.isEnabled else { return }
        telemetry.metrics.strategyDecisions.labels(kind.rawValue, outcome).increment()
    }
}
