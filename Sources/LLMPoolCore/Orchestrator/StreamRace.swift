import Synchronization

/// Races provider streams for the first token (hedged like ``FastestStrategy``), then forwards the
/// winner's tokens.
///
/// Each attempt runs in its own child `Task` so that a loser can be cancelled on its own the
/// moment another attempt wins (a task group can only cancel all of its children). Every attempt
/// is cancelled before `run()` returns or throws, so none outlives the request.
struct StreamRace: Sendable {
    let context: StrategyContext
    let output: AsyncThrowingStream<AnswerStreamEvent, any Error>.Continuation

    private enum Event: Sendable {
        case firstToken(Int)
        case failed(Int, PoolError, Duration)
        case finished(Int, ProviderResponse, Duration)
        case hedgeTimer
    }

    func run() async throws -> (ProviderResponse, any Provider, EnsembleDecision) {
        let providers = context.providers
        let clock = context.clock
        let hedging = context.hedging.enabled && providers.count > 1
        let (events, sink) = AsyncStream.makeStream(of: Event.self)
        let winner = WinnerSlot()
        var attempts: [Task<Void, Never>] = []
        var timer: Task<Void, Never>?
        var launchedAt: [ContinuousClock.Instant] = []
        var ledger = HedgeLedger(context: context)
        var errors: [PoolError] = []
        var candidates: [Int: EnsembleDecision.Candidate] = [:]
        var running = 0
        context.resilience.hedgeBudget.recordRequest()
        defer {
            ledger.settle(winner: nil)
            attempts.forEach { $0.cancel() }
            timer?.cancel()
            sink.finish()
        }

        func launch() {
            let index = attempts.count
            let provider = providers[index]
            let request = context.requestWithRemainingTime()
            let output = self.output
            launchedAt.append(clock.now)
            running += 1
            let context = self.context
            attempts.append(
                Task {
                    let start = clock.now
                    var claimed = false
                    guard let permit = ProviderCall.acquire(provider, context: context) else {
                        sink.yield(.failed(index, ProviderCall.rejection(provider, context: context), .zero))
                        return
                    }
                    // What the provider's breaker learns from this call; a loser cut short says nothing.
                    var health = CircuitBreaker.Outcome.ignored
                    defer { ProviderCall.settle(provider, permit, health, context: context) }
                    do {
                        for try await event in provider.stream(request) {
                            switch event {
                            case .delta(let text):
                                if !claimed {
                                    claimed = winner.claim(index)
                                    guard claimed else { return }
                                    sink.yield(.firstToken(index))
                                    output.yield(.started(provider: provider.name, model: provider.model))
                                }
                                if !text.isEmpty { output.yield(.delta(text)) }
                            case .done(let response):
                                health = .success
                                if !claimed {
                                    // An answer with no delta at all (empty text) still wins if first.
                                    claimed = winner.claim(index)
                                    guard claimed else { return }
                                    sink.yield(.firstToken(index))
                                    output.yield(.started(provider: provider.name, model: provider.model))
                                    if !response.text.isEmpty { output.yield(.delta(response.text)) }
                                }
                                sink.yield(.finished(index, response, start.duration(to: clock.now)))
                                return
                            }
                        }
                        // A cancelled consumer sees the stream end early; that is no upstream failure.
                        health = Task.isCancelled ? .ignored : .failure
                        sink.yield(
                            .failed(
                                index,
                                PoolError(
                                    code: .upstreamFailed,
                                    message: "\(provider.name) ended its stream without finishing"
                                ),
                                start.duration(to: clock.now)
                            )
                        )
                    } catch {
                        let failure = PoolError.wrap(error, provider: provider.name)
                        health = ProviderCall.breakerOutcome(of: failure)
                        sink.yield(.failed(index, failure, start.duration(to: clock.now)))
                    }
                }
            )
        }
        func armTimer() {
            guard hedging, attempts.count < providers.count, ledger.count < context.hedging.maxHedges else { return }
            let delay = context.hedgeDelay(providers[attempts.count - 1])
            timer?.cancel()
            timer = Task {
                do {
                    try await Task.sleep(for: delay, clock: clock)
                    sink.yield(.hedgeTimer)
                } catch {}
            }
        }

        if hedging {
            launch()
            armTimer()
        } else {
            while attempts.count < providers.count { launch() }
        }

        for await event in events {
            try Task.checkCancellation()
            let current = winner.current
            switch event {
            case .hedgeTimer:
                guard current == nil, attempts.count < providers.count, context.remaining() > .zero,
                    ledger.fire(
                        attempts.count,
                        provider: providers[attempts.count],
                        after: launchedAt[0].duration(to: clock.now)
                    )
                else { continue }
                launch()
                armTimer()
            case .firstToken(let index):
                timer?.cancel()
                for (other, attempt) in attempts.enumerated() where other != index {
                    attempt.cancel()
                    if candidates[other] == nil {
                        candidates[other] = .init(
                            provider: providers[other].name,
                            model: providers[other].model,
                            latency: launchedAt[other].duration(to: clock.now),
                            outcome: .cancelled
                        )
                    }
                }
            case .finished(let index, let response, let latency):
                candidates[index] = .init(
                    provider: providers[index].name,
                    model: providers[index].model,
                    latency: latency,
                    outcome: .won
                )
                ledger.settle(winner: index)
                let ordered = (0..<attempts.count).compactMap { candidates[$0] }
                let reason =
                    index == 0
                    ? "first provider streamed first"
                    : "\(providers[index].name) produced the first token after \(ledger.count) hedge(s)"
                let decision = EnsembleDecision(
                    strategy: .fastest,
                    candidates: ordered,
                    winner: providers[index].name,
                    reason: reason,
                    hedgesFired: ledger.count
                )
                return (response, providers[index], decision)
            case .failed(let index, let error, let latency):
                running -= 1
                if current == index { throw error }
                guard current == nil else { continue }
                errors.append(error)
                candidates[index] = .init(
                    provider: providers[index].name,
                    model: providers[index].model,
                    latency: latency,
                    outcome: ProviderCall.outcome(of: error),
                    error: error.message
                )
                if attempts.count < providers.count, context.remaining() > .zero {
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

/// The index of the attempt that produced the first token; claimed once.
private final class WinnerSlot: Sendable {
    private let slot = Mutex<Int?>(nil)

    /// Claims the win for `index`; true if `index` holds it.
    func claim(_ index: Int) -> Bool {
        slot.withLock { current in
            if current == nil { current = index }
            return current == index
        }
    }

    var current: Int? { slot.withLock { $0 } }
}
