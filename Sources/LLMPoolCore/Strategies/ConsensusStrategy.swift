import Tracing

/// CONSENSUS: ask the task's providers in parallel; the answers must agree. Two answers agree
/// when they make the same tool calls (name and canonical arguments) and the Jaccard similarity
/// of their normalised token sets is at least `threshold`. The
/// request succeeds when at least `quorum` answers agree with the best-ranked answer of the
/// largest agreeing set; otherwise it fails with `no_consensus` (or, when configured, falls back
/// to the best-ranked answer, and the decision says so). Both are counted in
/// `llm_pool_strategy_decisions_total{strategy="CONSENSUS"}` (`no_consensus`, `fallback`) and
/// recorded as a `no consensus` span event.
public struct ConsensusStrategy: EnsembleStrategy {
    public var kind: StrategyKind { .consensus }
    /// Similarity at or above which two answers agree (0...1).
    public var threshold: Double
    /// How many answers must agree (at least 2; capped at the number of providers).
    public var quorum: Int
    /// Whether to answer with the best-ranked answer when there is no consensus.
    public var fallbackToBest: Bool

    /// Creates the strategy.
    public init(threshold: Double = 0.8, quorum: Int = 2, fallbackToBest: Bool = false) {
        self.threshold = threshold
        self.quorum = quorum
        self.fallbackToBest = fallbackToBest
    }

    public func run(_ context: StrategyContext) async throws -> StrategyResult {
        try await context.recordingDecision(kind) { try await agree(context) }
    }

    private func agree(_ context: StrategyContext) async throws -> StrategyResult {
        let providers = context.providers
        guard !providers.isEmpty else { throw PoolError.allFailed([], task: context.taskName) }
        let needed = max(1, min(quorum, providers.count))
        let threshold = self.threshold
        let outcome = await Gather.run(context, providers: providers) { finished in
            Self.bestAgreement(finished, json: context.jsonOutput, threshold: threshold).count >= needed
        }
        let agreeing = Self.bestAgreement(outcome.finished, json: context.jsonOutput, threshold: threshold)
        let answered = outcome.answered
        guard !answered.isEmpty else { throw PoolError.allFailed(outcome.errors, task: context.taskName) }
        if agreeing.count >= needed, let winner = agreeing.min(by: { $0.index < $1.index }),
            case .success(let response) = winner.result
        {
            let decision = EnsembleDecision(
                strategy: .consensus,
                candidates: Gather.candidates(outcome, providers: providers, winner: winner.index),
                winner: providers[winner.index].name,
                reason:
                    "\(agreeing.count) of \(answered.count) answers agree (similarity >= \(threshold), quorum \(needed))"
            )
            return StrategyResult(response: response, provider: providers[winner.index], decision: decision)
        }
        let summary =
            "only \(agreeing.count) of \(answered.count) answers agree (similarity >= \(threshold)); quorum is \(needed)"
        context.event(
            "no consensus",
            ["llm_pool.consensus.summary": .string(summary), "llm_pool.consensus.fallback": .bool(fallbackToBest)]
        )
        guard fallbackToBest, let best = answered.min(by: { $0.index < $1.index }),
            case .success(let response) = best.result
        else {
            throw PoolError(code: .noConsensus, message: "no consensus for task '\(context.taskName)': \(summary)")
        }
        let decision = EnsembleDecision(
            strategy: .consensus,
            candidates: Gather.candidates(outcome, providers: providers, winner: best.index),
            winner: providers[best.index].name,
            reason: "no_consensus: \(summary); fell back to the best-ranked answer"
        )
        return StrategyResult(
            response: response,
            provider: providers[best.index],
            decision: decision,
            outcome: .fallback
        )
    }

    /// The largest set of answers that all agree with one of them (its anchor).
    static func bestAgreement(_ finished: [ProviderCall.Finished], json: Bool, threshold: Double) -> [ProviderCall
        .Finished]
    {
        let answers: [(ProviderCall.Finished, AnswerNormalizer.Normalized)] = finished.compactMap {
            if case .success(let response) = $0.result {
                ($0, AnswerNormalizer.normalize(response, json: json))
            } else {
                nil
            }
        }
        var best: [ProviderCall.Finished] = []
        for (_, anchor) in answers.sorted(by: { $0.0.index < $1.0.index }) {
            let members = answers.filter { AnswerNormalizer.similarity(anchor, $0.1) >= threshold }.map(\.0)
            if members.count > best.count { best = members }
        }
        return best
    }
}
