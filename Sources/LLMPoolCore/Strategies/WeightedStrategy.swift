import Tracing

/// WEIGHTED: route each request to one provider chosen by score (``ProviderScorer`` documents the
/// formula: measured latency, success rate, breaker state, SLO burn rate, health and the
/// configured weight), exported as `llm_pool_provider_score{provider,task}`.
///
/// Selection (`qos.weighted.selection`):
/// - `pick`: the highest score. Ties go first to a provider with too few recent latency samples
///   (so that a provider nobody asked lately, or one that just recovered, is measured again),
///   then to the task's order.
/// - `weighted_random`: at random with probability proportional to the score.
///
/// A half-open provider whose probe slot is free goes first, whatever its score: that request is
/// its probe, without which it could never close again (its score carries `half_open_penalty`
/// for every other request). On a retryable failure the next provider by score is asked, within
/// the deadline, `qos.retry.max_attempts` and the ``RetryBudget``.
public struct WeightedStrategy: EnsembleStrategy {
    public var kind: StrategyKind { .weighted }
    private let random: @Sendable () -> Double

    /// Creates the strategy.
    /// - Parameter random: Uniform numbers in `0..<1` for `weighted_random`; tests pass a seeded source.
    public init(random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.random = random
    }

    public func run(_ context: StrategyContext) async throws -> StrategyResult {
        try await context.recordingDecision(kind) { try await route(context) }
    }

    private func route(_ context: StrategyContext) async throws -> StrategyResult {
        let providers = context.providers
        guard !providers.isEmpty else { throw PoolError.allFailed([], task: context.taskName) }
        let resilience = context.resilience
        resilience.retryBudget.recordRequest()
        // Skipped providers are scored too, so that their exported score drops to 0 while open.
        let scored = resilience.scorer.scores(
            for: providers + context.skipped.map(\.provider),
            task: context.taskName,
            weights: resilience.providerWeights,
            configuration: context.weighted
        )
        let scores = Array(scored.prefix(providers.count))
        let order = Self.order(scores, selection: context.weighted.selection, random: random)
        guard !order.isEmpty else {
            throw PoolError(
                code: .unavailable,
                message: "every provider for task '\(context.taskName)' is excluded by its circuit breaker"
            )
        }
        let summary = order.map { "\(providers[$0].name) \(Self.format(scores[$0].value))" }.joined(separator: ", ")
        let start = context.clock.now
        var candidates: [EnsembleDecision.Candidate] = []
        var errors: [PoolError] = []
        var retries = 0
        for (position, index) in order.enumerated() {
            let provider = providers[index]
            let finished = await ProviderCall.complete(provider, index: index, context: context)
            candidates.append(ProviderCall.candidate(finished, provider: provider, won: true))
            switch finished.result {
            case .success(let response):
                let how =
                    position == 0
                    ? Self.describe(context.weighted.selection, first: scores[index]) : "after \(retries) retry(ies)"
                let reason =
                    "\(provider.name) \(how) in \(FastestStrategy.format(start.duration(to: context.clock.now))); scores: \(summary)"
                let decision = EnsembleDecision(
                    strategy: .weighted,
                    candidates: candidates,
                    winner: provider.name,
                    reason: reason
                )
                return StrategyResult(response: response, provider: provider, decision: decision)
            case .failure(let error):
                errors.append(error)
                if finished.rejected { continue }
                guard error.isRetryableElsewhere else { throw error }
                guard position + 1 < order.count, context.retry.enabled, context.remaining() > .zero,
                    retries < context.retry.maxAttempts - 1
                else {
                    throw PoolError.allFailed(errors, task: context.taskName)
                }
                let next = providers[order[position + 1]]
                guard resilience.retryBudget.tryAcquire(context.retry) else {
                    context.countRetry("budget_denied")
                    context.event("retry budget denied", ["llm_pool.provider": .string(next.name)])
                    var failure = PoolError.allFailed(errors, task: context.taskName)
                    failure.message += " (a retry was denied by the retry budget)"
                    throw failure
                }
                retries += 1
                context.countRetry("attempted")
                context.event(
                    "retry",
                    ["llm_pool.provider": .string(next.name), "llm_pool.retry.after": .string(error.code.description)]
                )
            }
        }
        throw PoolError.allFailed(errors, task: context.taskName)
    }

    /// The order to try providers in: the chosen one, then the rest by score; excluded ones left out.
    static func order(
        _ scores: [ProviderScorer.Score],
        selection: WeightedConfiguration.Selection,
        random: () -> Double
    ) -> [Int] {
        let eligible = scores.indices.filter { !scores[$0].excluded }
        // Best first; among equals, the unmeasured first (to measure it), then the task's order.
        let ranked = eligible.sorted { lhs, rhs in
            if scores[lhs].value != scores[rhs].value { return scores[lhs].value > scores[rhs].value }
            let (left, right) = (scores[lhs].latency == nil, scores[rhs].latency == nil)
            return left != right ? left : lhs < rhs
        }
        guard !ranked.isEmpty else { return [] }
        if let probe = ranked.first(where: { scores[$0].breaker == .halfOpen }) {
            return [probe] + ranked.filter { $0 != probe }
        }
        switch selection {
        case .pick:
            return ranked
        case .weightedRandom:
            let total = ranked.reduce(0) { $0 + scores[$1].value }
            guard total > 0 else { return ranked }
            var draw = random() * total
            var chosen = ranked[ranked.count - 1]
            for index in ranked {
                draw -= scores[index].value
                if draw < 0 {
                    chosen = index
                    break
                }
            }
            return [chosen] + ranked.filter { $0 != chosen }
        }
    }

    private static func describe(_ selection: WeightedConfiguration.Selection, first score: ProviderScorer.Score)
        -> String
    {
        if score.breaker == .halfOpen { return "probed while half-open, answered" }
        return switch selection {
        case .pick: "had the highest score, answered"
        case .weightedRandom: "drawn by score, answered"
        }
    }

    static func format(_ score: Double) -> String {
        let rounded = (score * 1000).rounded() / 1000
        return "\(rounded)"
    }
}
