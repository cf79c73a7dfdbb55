/// Asks several providers in parallel and hands each result to `decide` as it arrives; when
/// `decide` says stop, the calls still running are cancelled (closing their connections).
enum Gather {
    struct Outcome: Sendable {
        var finished: [ProviderCall.Finished]
        var cancelled: [Int]
        /// Time from the first call to the last result taken (when the others were cancelled).
        var elapsed: Duration = .zero

        /// Answers, by provider index.
        var answered: [ProviderCall.Finished] {
            finished.filter { if case .success = $0.result { true } else { false } }
        }

        /// Errors of the calls that failed (refused calls included).
        var errors: [PoolError] {
            finished.compactMap { if case .failure(let error) = $0.result { error } else { nil } }
        }
    }

    static func run(
        _ context: StrategyContext,
        providers: [any Provider],
        stopWhen decide: ([ProviderCall.Finished]) -> Bool
    ) async -> Outcome {
        let start = context.clock.now
        return await withTaskGroup(of: ProviderCall.Finished.self) { group in
            for (index, provider) in providers.enumerated() {
                group.addTask { await ProviderCall.complete(provider, index: index, context: context) }
            }
            var finished: [ProviderCall.Finished] = []
            while let result = await group.next() {
                finished.append(result)
                if finished.count < providers.count, decide(finished) {
                    group.cancelAll()
                    break
                }
            }
            let done = Set(finished.map(\.index))
            let cancelled = providers.indices.filter { !done.contains($0) }
            return Outcome(finished: finished, cancelled: cancelled, elapsed: start.duration(to: context.clock.now))
        }
    }

    static func candidates(
        _ outcome: Outcome,
        providers: [any Provider],
        winner: Int?,
        losers: EnsembleDecision.Outcome = .lost
    ) -> [EnsembleDecision.Candidate] {
        var result = outcome.finished.sorted { $0.index < $1.index }.map {
            ProviderCall.candidate($0, provider: providers[$0.index], won: $0.index == winner, loser: losers)
        }
        for index in outcome.cancelled {
            result.append(
                .init(
                    provider: providers[index].name,
                    model: providers[index].model,
                    latency: outcome.elapsed,
                    outcome: .cancelled
                )
            )
        }
        return result
    }
}
