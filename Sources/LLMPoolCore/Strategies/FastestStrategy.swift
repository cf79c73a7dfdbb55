/// FASTEST with hedged requests: ask the best provider first; if it has not answered after the
/// hedge delay, or as soon as it fails, ask the next one, up to `max_hedges` extra requests
/// (failures always move on to the next provider). The first success wins and every other call is
/// cancelled, which closes its upstream connection.
///
/// With hedging disabled, every provider is asked at once and the first success wins.
public struct FastestStrategy: EnsembleStrategy {
    public var kind: StrategyKind { .fastest }

    /// Creates the strategy.
    public init() {}

    private enum Event: Sendable {
        case finished(ProviderCall.Finished)
        case hedgeTimer
    }

    public func run(_ context: StrategyContext) async throws -> StrategyResult {
        let providers = context.providers
        guard !providers.isEmpty else { throw PoolError.allFailed([], task: context.taskName) }
        let clock = context.clock
        if providers.count == 1 {
            // One provider: no race to run, so no task group (this is the hot path of direct calls).
            return try await Self.single(providers[0], context: context)
        }
        let hedging = context.hedging.enabled
        let start = clock.now

        return try await withThrowingTaskGroup(of: Event.self) { group in
            var launched = 0
            var running = 0
            var hedges = 0
            var timerArmed = false
            var errors: [PoolError] = []
            var candidates: [Int: EnsembleDecision.Candidate] = [:]
            var launchedAt: [Int: ContinuousClock.Instant] = [:]

            func launch() {
                let index = launched
                let provider = providers[index]
                let request = context.requestWithRemainingTime()
                launched += 1
                running += 1
                launchedAt[index] = clock.now
                group.addTask { .finished(await ProviderCall.complete(provider, index: index, request: request, clock: clock)) }
            }
            func armTimer() {
                guard hedging, launched < providers.count, hedges < context.hedging.maxHedges, !timerArmed else { return }
                let delay = context.hedgeDelay(providers[launched - 1])
                timerArmed = true
                group.addTask {
                    try await Task.sleep(for: delay, clock: clock)
                    return .hedgeTimer
                }
            }

            if hedging {
                launch()
                armTimer()
            } else {
                while launched < providers.count { launch() }
            }

            while let event = try await group.next() {
                switch event {
                case .hedgeTimer:
                    timerArmed = false
                    guard launched < providers.count, context.remaining() > .zero else { continue }
                    hedges += 1
                    launch()
                    armTimer()
                case .finished(let finished):
                    running -= 1
                    let provider = providers[finished.index]
                    switch finished.result {
                    case .success(let response):
                        group.cancelAll()
                        candidates[finished.index] = .init(provider: provider.name, model: provider.model, latency: finished.latency, outcome: .won)
                        for index in 0..<launched where candidates[index] == nil {
                            let elapsed = launchedAt[index].map { $0.duration(to: clock.now) } ?? .zero
                            candidates[index] = .init(provider: providers[index].name, model: providers[index].model, latency: elapsed, outcome: .cancelled)
                        }
                        let ordered = (0..<launched).compactMap { candidates[$0] }
                        let reason = finished.index == 0
                            ? "first provider answered in \(Self.format(finished.latency))"
                            : "\(provider.name) answered first after \(hedges) hedge(s) in \(Self.format(start.duration(to: clock.now)))"
                        let decision = EnsembleDecision(strategy: .fastest, candidates: ordered, winner: provider.name, reason: reason, hedgesFired: hedges)
                        return StrategyResult(response: response, provider: provider, decision: decision)
                    case .failure(let error):
                        errors.append(error)
                        candidates[finished.index] = .init(
                            provider: provider.name, model: provider.model, latency: finished.latency,
                            outcome: ProviderCall.outcome(of: error), error: error.message
                        )
                        // A failure moves on at once: waiting for the hedge timer would only add latency.
                        if launched < providers.count, context.remaining() > .zero, error.code != .invalidArgument {
                            launch()
                            armTimer()
                        } else if running == 0 {
                            group.cancelAll()
                            throw PoolError.allFailed(errors, task: context.taskName)
                        }
                    }
                }
            }
            throw PoolError.allFailed(errors, task: context.taskName)
        }
    }

    static func single(_ provider: any Provider, context: StrategyContext) async throws -> StrategyResult {
        let finished = await ProviderCall.complete(provider, index: 0, request: context.requestWithRemainingTime(), clock: context.clock)
        switch finished.result {
        case .success(let response):
            let candidate = EnsembleDecision.Candidate(provider: provider.name, model: provider.model, latency: finished.latency, outcome: .won)
            let decision = EnsembleDecision(strategy: .fastest, candidates: [candidate], winner: provider.name, reason: "only provider answered in \(format(finished.latency))")
            return StrategyResult(response: response, provider: provider, decision: decision)
        case .failure(let error):
            throw PoolError.allFailed([error], task: context.taskName)
        }
    }

    static func format(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return "\(Int(ms.rounded())) ms"
    }
}
