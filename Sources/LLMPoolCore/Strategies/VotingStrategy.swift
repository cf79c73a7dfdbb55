/// VOTING: ask the task's providers in parallel, normalise the answers (trim, case, whitespace;
/// canonical JSON for JSON tasks) and take the majority. Ties go to the better-ranked provider
/// (earlier in the task's list). Voting stops as soon as no pending answer could change the
/// outcome, and the calls still running are cancelled.
public struct VotingStrategy: EnsembleStrategy {
    public var kind: StrategyKind { .voting }

    /// Creates the strategy.
    public init() {}

    public func run(_ context: StrategyContext) async throws -> StrategyResult {
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
            let key = AnswerNormalizer.normalize(response.text, json: json)
            groups[key, default: Group(key: key, members: [])].members.append(result)
        }
        return groups.values.sorted { lhs, rhs in
            lhs.members.count != rhs.members.count ? lhs.members.count > rhs.members.count : lhs.bestIndex < rhs.bestIndex
        }
    }

    /// Picks the majority (or plurality) answer from gathered results.
    static func decide(_ outcome: Gather.Outcome, context: StrategyContext, strategy: StrategyKind, note: String? = nil) throws -> StrategyResult {
        let providers = context.providers
        let tally = tally(outcome.finished, json: context.jsonOutput)
        guard let leader = tally.first else {
            let errors = outcome.finished.compactMap { if case .failure(let e) = $0.result { e } else { nil } }
            throw PoolError.allFailed(errors, task: context.taskName)
        }
        let winner = leader.members.min { $0.index < $1.index }!
        guard case .success(let response) = winner.result else { throw PoolError(code: .internal, message: "winner without answer") }
        let answered = tally.reduce(0) { $0 + $1.members.count }
        let tie = tally.count > 1 && tally[1].members.count == leader.members.count
        var reason = "\(leader.members.count) of \(answered) answers agreed"
        if tie { reason += "; tie broken by provider rank" }
        if !outcome.cancelled.isEmpty { reason += "; stopped early, \(outcome.cancelled.count) call(s) cancelled" }
        if let note { reason = "\(note); \(reason)" }
        let decision = EnsembleDecision(
            strategy: strategy,
            candidates: Gather.candidates(outcome, providers: providers, winner: winner.index, clock: context.clock),
            winner: providers[winner.index].name, reason: reason
        )
        return StrategyResult(response: response, provider: providers[winner.index], decision: decision)
    }
}
