/// Races provider streams for the first token (hedged like ``FastestStrategy``), then forwards the
/// winner's deltas to the caller.
///
/// Structured: one child of a task group per attempt and per hedge timer, the timers sleeping on
/// the context's clock. The first attempt to produce a token claims the win (``FirstTokenClaim``),
/// which cancels the other attempts and the pending timer through their ``CancellationSignal``s;
/// the winner then sends `started` and its deltas to the ``EventSink`` itself, awaiting each (the
/// caller's pace is the upstream read's pace). `run()` returns or throws only once every attempt
/// has ended, losers included.
struct StreamRace: Sendable {
    let context: StrategyContext
    let sink: EventSink

    /// How a child of the race ended.
    private enum Event: Sendable {
        /// The winner's stream finished.
        case finished(Int, ProviderResponse, Duration)
        /// An attempt failed (or its breaker refused it: `rejected`).
        case failed(Int, PoolError, Duration, rejected: Bool)
        /// An attempt was cut short because another won.
        case lost(Int)
        /// The caller's handler threw: the client went away.
        case consumerFailed(any Error)
        case hedgeTimer(generation: Int)
        /// A hedge timer cancelled before it fired.
        case timerCancelled
    }

    func run() async throws -> (ProviderResponse, any Provider, EnsembleDecision) {
        let providers = context.providers
        guard !providers.isEmpty else { throw PoolError.allFailed([], task: context.taskName) }
        let clock = context.clock
        let hedging = context.hedging.enabled && providers.count > 1
        let claims = FirstTokenClaim()
        context.resilience.hedgeBudget.recordRequest()

        return try await withThrowingTaskGroup(of: Event.self) { group in
            var launchedAt: [ContinuousClock.Instant] = []
            var ledger = HedgeLedger(context: context)
            var errors: [PoolError] = []
            var candidates: [Int: EnsembleDecision.Candidate] = [:]
            var running = 0
            var timerGeneration = 0
            defer { ledger.settle(winner: nil) }

            func launch() {
                let index = launchedAt.count
                let request = context.requestWithRemainingTime()
                let signal = claims.signal(forAttempt: index)
                launchedAt.append(clock.now)
                running += 1
                group.addTask { await signal.run { await attempt(index, request: request, claims: claims) } }
            }
            func armTimer() {
                guard hedging, launchedAt.count < providers.count, ledger.count < context.hedging.maxHedges else {
                    return
                }
                let delay = context.hedgeDelay(providers[launchedAt.count - 1])
                timerGeneration += 1
                let generation = timerGeneration
                let signal = claims.signalForTimer()
                group.addTask {
                    await signal.run {
                        do {
                            try await clock.sleep(for: delay)
                            return .hedgeTimer(generation: generation)
                        } catch {
                            return .timerCancelled
                        }
                    }
                }
            }
            func candidate(_ index: Int, _ outcome: EnsembleDecision.Outcome, _ latency: Duration, error: String? = nil)
                -> EnsembleDecision.Candidate
            {
                .init(
                    provider: providers[index].name,
                    model: providers[index].model,
                    latency: latency,
                    outcome: outcome,
                    error: error
                )
            }

            if hedging {
                launch()
                armTimer()
            } else {
                while launchedAt.count < providers.count { launch() }
            }

            while let event = try await group.next() {
                try Task.checkCancellation()
                switch event {
                case .timerCancelled:
                    continue
                case .hedgeTimer(let generation):
                    guard generation == timerGeneration, claims.winner == nil, launchedAt.count < providers.count,
                        context.remaining() > .zero,
                        ledger.fire(
                            launchedAt.count,
                            provider: providers[launchedAt.count],
                            after: launchedAt[0].duration(to: clock.now)
                        )
                    else { continue }
                    launch()
                    armTimer()
                case .consumerFailed(let error):
                    throw error
                case .lost(let index):
                    running -= 1
                    candidates[index] = candidate(index, .cancelled, launchedAt[index].duration(to: clock.now))
                case .finished(let index, let response, let latency):
                    candidates[index] = candidate(index, .won, latency)
                    for other in launchedAt.indices where candidates[other] == nil {
                        candidates[other] = candidate(other, .cancelled, launchedAt[other].duration(to: clock.now))
                    }
                    ledger.settle(winner: index)
                    let reason =
                        index == 0
                        ? "first provider streamed first"
                        : "\(providers[index].name) produced the first token after \(ledger.count) hedge(s)"
                    let decision = EnsembleDecision(
                        strategy: .fastest,
                        candidates: launchedAt.indices.compactMap { candidates[$0] } + context.skippedCandidates,
                        winner: providers[index].name,
                        reason: reason,
                        hedgesFired: ledger.count
                    )
                    group.cancelAll()
                    return (response, providers[index], decision)
                case .failed(let index, let error, let latency, let rejected):
                    running -= 1
                    let winner = claims.winner
                    // A failure after the first token breaks the stream the caller is reading.
                    if winner == index { throw error }
                    let outcome = rejected ? .skipped : ProviderCall.outcome(of: error)
                    candidates[index] = candidate(index, outcome, latency, error: error.message)
                    guard winner == nil else { continue }
                    // The request's own fault: the other providers would refuse it too.
                    if error.isCallerFault { throw error }
                    errors.append(error)
                    if launchedAt.count < providers.count, context.remaining() > .zero {
                        launch()
                        armTimer()
                    } else if running == 0 {
                        throw PoolError.allFailed(errors, task: context.taskName)
                    }
                }
            }
            throw PoolError(code: .cancelled, message: "stream cancelled")
        }
    }

    /// One attempt: a provider stream through its breaker, claiming the win at its first token.
    private func attempt(_ index: Int, request: ProviderRequest, claims: FirstTokenClaim) async -> Event {
        let provider = context.providers[index]
        let clock = context.clock
        let start = clock.now
        guard let permit = ProviderCall.acquire(provider, context: context) else {
            return .failed(index, ProviderCall.rejection(provider, context: context), .zero, rejected: true)
        }
        // What the provider's breaker learns from this call; a loser cut short says nothing.
        var health = CircuitBreaker.Outcome.ignored
        var failure: PoolError?
        defer {
            if let failure {
                ProviderCall.settle(provider, permit, failed: failure, context: context)
            } else {
                ProviderCall.settle(provider, permit, health, context: context)
            }
        }
        let sink = self.sink
        let started = AnswerStreamEvent.started(provider: provider.name, model: provider.model)
        do {
            let response = try await provider.streamPieces(request) { piece in
                switch claims.claim(index) {
                case .lost: throw CancellationError()
                case .first: try await sink.send(started)
                case .held: break
                }
                if !piece.isTextOnly {
                    try await sink.send(.fragment(piece))
                } else if !piece.text.isEmpty {
                    try await sink.send(.delta(piece.text))
                }
            }
            health = .success
            // An answer with no delta at all (empty text) still wins if first.
            switch claims.claim(index) {
            case .lost:
                return .lost(index)
            case .first:
                try await sink.send(started)
                if !response.text.isEmpty { try await sink.send(.delta(response.text)) }
                if let piece = Orchestrator.replayed(response.extras) { try await sink.send(.fragment(piece)) }
            case .held:
                break
            }
            return .finished(index, response, start.duration(to: clock.now))
        } catch {
            if claims.winner == index, let failure = sink.failure { return .consumerFailed(failure) }
            if let winner = claims.winner, winner != index { return .lost(index) }
            let error = PoolError.wrap(error, provider: provider.name)
            if claims.winner == index, Task.isCancelled || ProviderTimeout.limit(of: error) == .call {
                // The request's time ran out while this stream was still producing: the deadline
                // cut it, the provider did not fail (a stall is the idle limit's to catch).
                health = .ignored
            } else {
                failure = error
            }
            return .failed(index, error, start.duration(to: clock.now), rejected: false)
        }
    }
}
