import LLMPoolObservability
import Tracing

/// FASTEST with hedged requests and retries.
///
/// The best provider is asked first. If it has not answered after the hedge delay (its measured
/// latency quantile, see ``HedgePolicy``), the next one is asked too — a *hedge* — up to
/// `max_hedges`, and only while the ``HedgeBudget`` allows. If a call fails with a retryable error
/// while no other call is running, the next provider is asked at once — a *retry* — up to
/// `qos.retry.max_attempts`, and only while the ``RetryBudget`` allows. Neither is made once the
/// deadline has passed, nor after an error of the request's own making (an upstream 4xx such as
/// `context_length_exceeded`), which ends the race at once. The first success wins and every other call is cancelled, which closes
/// its upstream connection.
///
/// Hedges are counted in `llm_pool_hedges_total{task,outcome}` (`fired`, then `won` or `lost`;
/// `budget_denied`) and traced as `hedge` spans; retries in `llm_pool_retries_total{task,outcome}`.
///
/// With hedging disabled, every provider is asked at once and the first success wins.
public struct FastestStrategy: EnsembleStrategy {
    public var kind: StrategyKind { .fastest }

    /// Creates the strategy.
    public init() {}

    private enum Event: Sendable {
        case finished(ProviderCall.Finished)
        case hedgeTimer(generation: Int)
    }

    /// Why a call was made.
    private enum Launch: Sendable {
        case first, hedge, retry
        /// Instead of a call the breaker refused.
        case replacement
    }

    public func run(_ context: StrategyContext) async throws -> StrategyResult {
        try await context.recordingDecision(kind) { try await race(context) }
    }

    private func race(_ context: StrategyContext) async throws -> StrategyResult {
        let providers = context.providers
        guard !providers.isEmpty else { throw PoolError.allFailed([], task: context.taskName) }
        let resilience = context.resilience
        resilience.hedgeBudget.recordRequest()
        resilience.retryBudget.recordRequest()
        if providers.count == 1 {
            // One provider: no race to run, so no task group (this is the hot path of direct calls).
            return try await Self.single(providers[0], context: context)
        }
        let clock = context.clock
        let hedging = context.hedging.enabled
        let start = clock.now

        return try await withThrowingTaskGroup(of: Event.self) { group in
            var launches: [Launch] = []
            var running = 0
            var ledger = HedgeLedger(context: context)
            var retries = 0
            var timerGeneration = 0
            var errors: [PoolError] = []
            var notes: [String] = []
            var candidates: [Int: EnsembleDecision.Candidate] = [:]
            var launchedAt: [ContinuousClock.Instant] = []

            func launch(_ why: Launch) {
                let index = launches.count
                let provider = providers[index]
                launches.append(why)
                launchedAt.append(clock.now)
                running += 1
                if case .hedge = why, context.telemetry.tracesSteps {
                    let tracer = context.telemetry.tracer
                    let task = context.taskName
                    group.addTask {
                        .finished(
                            await tracer.withSpan("hedge", ofKind: .internal) { span in
                                if span.isRecording {
                                    span.attributes["llm_pool.task"] = task
                                    span.attributes["llm_pool.provider"] = provider.name
                                    span.attributes["llm_pool.hedge.index"] = index
                                }
                                let finished = await ProviderCall.complete(provider, index: index, context: context)
                                if case .failure(let error) = finished.result, span.isRecording {
                                    span.attributes["llm_pool.hedge.error"] = error.code.description
                                }
                                return finished
                            }
                        )
                    }
                } else {
                    group.addTask { .finished(await ProviderCall.complete(provider, index: index, context: context)) }
                }
            }
            func armTimer() {
                guard hedging, launches.count < providers.count, ledger.count < context.hedging.maxHedges else {
                    return
                }
                let delay = context.hedgeDelay(providers[launches.count - 1])
                timerGeneration += 1
                let generation = timerGeneration
                group.addTask {
                    try await clock.sleep(for: delay)
                    return .hedgeTimer(generation: generation)
                }
            }
            func fail() -> PoolError {
                group.cancelAll()
                ledger.settle(winner: nil)
                var error = PoolError.allFailed(errors, task: context.taskName)
                if !notes.isEmpty { error.message += " (\(notes.joined(separator: "; ")))" }
                return error
            }

            if hedging {
                launch(.first)
                armTimer()
            } else {
                while launches.count < providers.count { launch(.first) }
            }

            while let event = try await group.next() {
                switch event {
                case .hedgeTimer(let generation):
                    // A newer call re-armed the timer since; and no hedge once time is up.
                    guard generation == timerGeneration, launches.count < providers.count, context.remaining() > .zero
                    else { continue }
                    guard
                        ledger.fire(
                            launches.count,
                            provider: providers[launches.count],
                            after: start.duration(to: clock.now)
                        )
                    else {
                        notes.append("a hedge was denied by the hedge budget")
                        continue
                    }
                    launch(.hedge)
                    armTimer()

                case .finished(let finished):
                    running -= 1
                    let provider = providers[finished.index]
                    candidates[finished.index] = ProviderCall.candidate(finished, provider: provider, won: true)
                    switch finished.result {
                    case .success(let response):
                        group.cancelAll()
                        ledger.settle(winner: finished.index)
                        for index in launches.indices where candidates[index] == nil {
                            candidates[index] = .init(
                                provider: providers[index].name,
                                model: providers[index].model,
                                latency: launchedAt[index].duration(to: clock.now),
                                outcome: .cancelled
                            )
                        }
                        var reason =
                            switch launches[finished.index] {
                            case .first where finished.index == 0:
                                "first provider answered in \(Self.format(finished.latency))"
                            case .hedge:
                                "\(provider.name) answered first after \(ledger.count) hedge(s) in \(Self.format(start.duration(to: clock.now)))"
                            case .retry:
                                "\(provider.name) answered after \(retries) retry(ies) in \(Self.format(start.duration(to: clock.now)))"
                            case .first, .replacement:
                                "\(provider.name) answered first in \(Self.format(start.duration(to: clock.now)))"
                            }
                        if !notes.isEmpty { reason += "; \(notes.joined(separator: "; "))" }
                        let decision = EnsembleDecision(
                            strategy: .fastest,
                            candidates: launches.indices.compactMap { candidates[$0] },
                            winner: provider.name,
                            reason: reason,
                            hedgesFired: ledger.count
                        )
                        return StrategyResult(response: response, provider: provider, decision: decision)

                    case .failure(let error):
                        errors.append(error)
                        if finished.rejected {
                            // Never sent: ask the next provider in its place, at no cost to the budgets.
                            if launches.count < providers.count, context.remaining() > .zero {
                                let replaced = launches[finished.index]
                                launch(.replacement)
                                if case .first = replaced { armTimer() }
                            } else if running == 0 {
                                throw fail()
                            }
                            continue
                        }
                        // The request's own fault: every provider would refuse it the same way,
                        // so neither wait for the calls still running nor retry.
                        if error.isCallerFault {
                            group.cancelAll()
                            ledger.settle(winner: nil)
                            throw error
                        }
                        // Another call is still running: it may yet answer, and the hedge timer
                        // still covers it being slow.
                        if running > 0 { continue }
                        guard error.isRetryableElsewhere else {
                            group.cancelAll()
                            ledger.settle(winner: nil)
                            throw error
                        }
                        guard context.retry.enabled, launches.count < providers.count, context.remaining() > .zero,
                            retries < context.retry.maxAttempts - 1
                        else { throw fail() }
                        let next = providers[launches.count]
                        guard resilience.retryBudget.tryAcquire(context.retry) else {
                            context.countRetry("budget_denied")
                            context.event("retry budget denied", ["llm_pool.provider": .string(next.name)])
                            notes.append("a retry was denied by the retry budget")
                            throw fail()
                        }
                        retries += 1
                        context.countRetry("attempted")
                        context.event(
                            "retry",
                            [
                                "llm_pool.provider": .string(next.name),
                                "llm_pool.retry.after": .string(error.code.description),
                            ]
                        )
                        launch(.retry)
                        armTimer()
                    }
                }
            }
            throw fail()
        }
    }

    static func single(_ provider: any Provider, context: StrategyContext) async throws -> StrategyResult {
        let finished = await ProviderCall.complete(provider, index: 0, context: context)
        switch finished.result {
        case .success(let response):
            let candidate = EnsembleDecision.Candidate(
                provider: provider.name,
                model: provider.model,
                latency: finished.latency,
                outcome: .won
            )
            let decision = EnsembleDecision(
                strategy: .fastest,
                candidates: [candidate],
                winner: provider.name,
                reason: "only provider answered in \(format(finished.latency))"
            )
            return StrategyResult(response: response, provider: provider, decision: decision)
        case .failure(let error):
            guard error.isRetryableElsewhere || finished.rejected else { throw error }
            throw PoolError.allFailed([error], task: context.taskName)
        }
    }

    static func format(_ duration: Duration) -> String {
        "\(Int(duration.fractionalMilliseconds.rounded())) ms"
    }
}
