/// Asks several providers in parallel and hands each result to `decide` as it arrives; when
/// `decide` says stop, the calls still running are cancelled (closing their connections).
enum Gather {
    struct Outcome: Sendable {
        var finished: [ProviderCall.Finished]
        var cancelled: [Int]
    }

    static func run(
        _ context: StrategyContext,
        providers: [any Provider],
        stopWhen decide: ([ProviderCall.Finished]) -> Bool
    ) async -> Outcome {
        let clock = context.clock
        let start = clock.now
        return await withTaskGroup(of: ProviderCall.Finished.self) { group in
            for (index, provider) in providers.enumerated() {
                let request = context.requestWithRemainingTime()
                group.addTask { await ProviderCall.complete(provider, index: index, request: request, clock: clock) }
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
            _ = start
            return Outcome(finished: finished, cancelled: cancelled)
        }
    }

    static func candidates(_ outcome: Outcome, providers: [any Provider], winner: Int?, clock: ContinuousClock, losers: EnsembleDecision.Outcome = .lost) -> [EnsembleDecision.Candidate] {
        var result: [EnsembleDecision.Candidate] = []
        for finished in outcome.finished.sorted(by: { $0.index < $1.index }) {
            let provider = providers[finished.index]
            switch finished.result {
            case .success:
                result.append(.init(provider: provider.name, model: provider.model, latency: finished.latency, outcome: finished.index == winner ? .won : losers))
            case .failure(let error):
                result.append(.init(provider: provider.name, model: provider.model, latency: finished.latency, outcome: ProviderCall.outcome(of: error), error: error.message))
            }
        }
        for index in outcome.cancelled {
            result.append(.init(provider: providers[index].name, model: providers[index].model, latency: .zero, outcome: .cancelled))
        }
        return result
    }
}
