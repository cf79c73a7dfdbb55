import Tracing

/// VOTING: ask the task's providers in parallel, normalise the answers (trim, case, whitespace;
/// canonical JSON for JSON tasks; tool calls by name and canonical arguments) and take the majority. Ties go to the answer of the
/// best-scored provider (``ProviderScorer``), then to the better-ranked one (earlier in the
/// task's list). Voting stops as soon as no pending answer could change the outcome, and the
/// calls still running are cancelled.
public struct VotingStrategy: EnsembleStrategy {
    public var kind: StrategyKind { .voting }

    /// Creates the strategy.
    public init() {}

    public func run(_ context: StrategyContext) async throws -> StrategyResult {
        try await context.recordingDecision(kind) {
            let providers = context.providers
            guard !providers.isEmpty else { throw PoolError.allFailed([], task: context.taskName) }
            let total = providers.count
            let outcome = await Gather.run(context, providers: providers) { finished in
                let tally = Self.tally(finished, json: context.jsonOutput)
                let pending = total - finished.count
                guard let leader = tally.first else { return false }
                let runnerUp = tally.dropFirst().first?.members.count ?? 0
                // Certain once the pending answers could not even tie the leader.
                return leader.members.count > runnerUp + pending
            }
            return try Self.decide(outcome, context: context, strategy: .voting)
        }
    }

    struct Group {
        var key: String
        var members: [ProviderCall.Finished]
        var bestIndex: Int { members.map(\.index).min() ?? .max }
    }

    /// Groups successful answers by normalised text, largest group first, ties by provider rank.
    static func tally(_ finished: [ProviderCall.Finished], json: Bool) -> [Group] {
        var groups: [String: Group] = [:]
        for result in finished {
            guard case .success(let response) = result.result else { continue }
            let key = AnswerNormalizer.normalize(response, json: json).key
            groups[key, default: Group(key: key, members: [])].members.append(result)
        }
        return groups.values.sorted { lhs, rhs in
            lhs.members.count != rhs.members.count
                ? lhs.members.count > rhs.members.count : lhs.bestIndex < rhs.bestIndex
        }
    }

    /// Picks the majority (or plurality) answer from gathered results.
    /// - Parameters:
    ///   - note: Said first in the reason (JUDGE's fallback explains itself here).
    ///   - outcome: The decision outcome to report; default `early_stop` when calls were
    ///     cancelled, else `ok`.
    static func decide(
        _ outcome: Gather.Outcome,
        context: StrategyContext,
        strategy: StrategyKind,
        note: String? = nil,
        as decided: StrategyResult.Outcome? = nil
    ) throws -> StrategyResult {
        let providers = context.providers
        let tally = tally(outcome.finished, json: context.jsonOutput)
        guard var leader = tally.first else {
            throw PoolError.allFailed(outcome.errors, task: context.taskName)
        }
        let tied = tally.filter { $0.members.count == leader.members.count }
        var tieBreak: String?
        if tied.count > 1 {
            let scores = context.resilience.scorer.scores(
                for: providers,
                task: context.taskName,
                weights: context.resilience.providerWeights,
                configuration: context.weighted
            ).map(\.value)
            let best = tied.map { group in (group, group.members.map { scores[$0.index] }.max() ?? 0) }
            let top = best.map(\.1).max() ?? 0
            let leaders = best.filter { $0.1 == top }.map(\.0)
            // `tally` is in rank order, so the first group with the top score is the best-ranked of them.
            leader = leaders[0]
            tieBreak = leaders.count == tied.count ? "tie broken by provider rank" : "tie broken by provider score"
        }
        let winner = leader.members.min { $0.index < $1.index }!
        guard case .success(let response) = winner.result else {
            throw PoolError(code: .internal, message: "winner without answer")
        }
        let answered = tally.reduce(0) { $0 + $1.members.count }
        var reason = "\(leader.members.count) of \(answered) answers agreed"
        if let tieBreak { reason += "; \(tieBreak)" }
        if !outcome.cancelled.isEmpty { reason += "; stopped early, \(outcome.cancelled.count) call(s) cancelled" }
        if let note { reason = "\(note); \(reason)" }
        let decision = EnsembleDecision(
            strategy: strategy,
            candidates: Gather.candidates(outcome, providers: providers, winner: winner.index),
            winner: providers[winner.index].name,
            reason: reason
        )
        if outcome.cancelled.isEmpty == false {
            context.event("voting stopped early", ["llm_pool.cancelled": .int64(Int64(outcome.cancelled.count))])
        }
        let result = decided ?? (outcome.cancelled.isEmpty ? .ok : .earlyStop)
        return StrategyResult(
            response: response,
            provider: providers[winner.index],
            decision: decision,
            outcome: result
        )
    }
}
