import LLMPoolObservability
import Tracing

/// Calls a provider through its circuit breaker and classifies how the call ended, for
/// ``EnsembleDecision`` candidates. Every strategy's provider calls go through here, so every
/// result reaches the provider's breaker.
enum ProviderCall {
    struct Finished: Sendable {
        var index: Int
        var result: Result<ProviderResponse, PoolError>
        var latency: Duration
        /// The breaker refused the call: it was never made.
        var rejected = false
    }

    /// Makes one call, unless the provider's breaker refuses it.
    /// - Parameters:
    ///   - provider: The provider.
    ///   - index: Its position in the strategy's list, echoed in the result.
    ///   - context: Breakers, clock, telemetry and the request.
    ///   - request: The request to send; default the context's with the remaining time.
    static func complete(
        _ provider: any Provider,
        index: Int,
        context: StrategyContext,
        request: ProviderRequest? = nil
    ) async -> Finished {
        let clock = context.clock
        guard let permit = acquire(provider, context: context) else {
            return Finished(
                index: index,
                result: .failure(rejection(provider, context: context)),
                latency: .zero,
                rejected: true
            )
        }
        let request = request ?? context.requestWithRemainingTime()
        let start = clock.now
        let result: Result<ProviderResponse, PoolError>
        do {
            result = .success(try await provider.complete(request))
        } catch {
            result = .failure(PoolError.wrap(error, provider: provider.name))
        }
        switch result {
        case .success: settle(provider, permit, .success, context: context)
        case .failure(let error): settle(provider, permit, failed: error, context: context)
        }
        return Finished(index: index, result: result, latency: start.duration(to: clock.now))
    }

    /// A breaker permit for a call made outside ``complete(_:index:context:request:)`` (a stream),
    /// or `nil`, counted and traced as rejected, when the breaker refuses it.
    static func acquire(_ provider: any Provider, context: StrategyContext) -> CircuitBreaker.Permit? {
        let breaker = context.resilience.breakers.breaker(for: provider.name)
        if let permit = breaker.acquire() { return permit }
        if context.telemetry.isEnabled {
            context.telemetry.metrics.providerRequests.labels(provider.name, provider.model, "rejected").increment()
        }
        context.event(
            "breaker rejected",
            [
                "llm_pool.provider": .string(provider.name),
                "llm_pool.circuit_breaker.state": .string(breaker.state.description),
            ]
        )
        return nil
    }

    /// The error of a call its breaker refused.
    static func rejection(_ provider: any Provider, context: StrategyContext) -> PoolError {
        PoolError(
            code: .unavailable,
            message:
                "the circuit breaker of \(provider.name) is \(context.resilience.breakers.state(of: provider.name))"
        )
    }

    /// Reports how a permitted call ended to the provider's breaker, tracing any state change.
    static func settle(
        _ provider: any Provider,
        _ permit: CircuitBreaker.Permit,
        _ outcome: CircuitBreaker.Outcome,
        context: StrategyContext
    ) {
        for transition in context.resilience.breakers.breaker(for: provider.name).record(permit, outcome) {
            context.event(
                "circuit breaker \(transition.to)",
                [
                    "llm_pool.provider": .string(provider.name),
                    "llm_pool.circuit_breaker.from": .string(transition.from.description),
                ]
            )
        }
    }

    /// Reports a failed call to the provider's breaker (see ``breakerOutcome(of:context:)``) and,
    /// when the provider answered 429 with `Retry-After`, holds it off for that long.
    static func settle(
        _ provider: any Provider,
        _ permit: CircuitBreaker.Permit,
        failed error: PoolError,
        context: StrategyContext
    ) {
        if error.code == .resourceExhausted, let wait = error.retryAfter {
            context.resilience.holdOff(provider.name, for: wait)
            context.event(
                "provider held off",
                [
                    "llm_pool.provider": .string(provider.name),
                    "llm_pool.retry_after_ms": .int64(wait.millisecondsRoundedUp),
                ]
            )
        }
        settle(provider, permit, breakerOutcome(of: error, context: context), context: context)
    }

    /// How a failed call counts for its breaker. A call cut short (cancelled, whatever error that
    /// surfaced as) counts as a failure when the request's deadline had passed — the provider
    /// used all the time the request had, as a provider that hangs does — and as nothing when the
    /// request moved on before (a lost hedge, a caller that left). Otherwise the error decides
    /// (``PoolError/breakerOutcome``): a request the provider rightly refused does not count.
    static func breakerOutcome(of error: PoolError, context: StrategyContext) -> CircuitBreaker.Outcome {
        guard Task.isCancelled || error.code == .cancelled else { return error.breakerOutcome }
        return ranOutOfTime(context) ? .failure : .ignored
    }

    /// Whether the deadline of the request that started the call has passed.
    static func ranOutOfTime(_ context: StrategyContext) -> Bool {
        context.clock.now >= context.requestDeadline
    }

    static func outcome(of error: PoolError) -> EnsembleDecision.Outcome {
        switch error.code {
        case .deadlineExceeded: return .timedOut
        case .cancelled: return .cancelled
        default: return .failed
        }
    }

    /// The candidate record of a finished call.
    static func candidate(
        _ finished: Finished,
        provider: any Provider,
        won: Bool,
        loser: EnsembleDecision.Outcome = .lost
    ) -> EnsembleDecision.Candidate {
        switch finished.result {
        case .success:
            return .init(
                provider: provider.name,
                model: provider.model,
                latency: finished.latency,
                outcome: won ? .won : loser
            )
        case .failure(let error):
            let outcome: EnsembleDecision.Outcome = finished.rejected ? .skipped : outcome(of: error)
            return .init(
                provider: provider.name,
                model: provider.model,
                latency: finished.latency,
                outcome: outcome,
                error: error.message
            )
        }
    }
}

extension PoolError {
    /// Turns any error into a ``PoolError``, keeping ``PoolError`` as is.
    static func wrap(_ error: any Error, provider: String) -> PoolError {
        if let error = error as? PoolError { return error }
        if error is CancellationError {
            return PoolError(code: .cancelled, message: "call to \(provider) was cancelled")
        }
        return PoolError(code: .upstreamFailed, message: "provider \(provider) failed: \(error)", cause: error)
    }

    /// The error to report when every provider failed: the most telling of the failures. A
    /// failure of the request's own making (``isCallerFault``) as it is, so the client reads the
    /// upstream's 4xx; `deadlineExceeded` when every call ran out of time; `upstreamFailed` when
    /// every provider answered, with errors or unreadable bodies; else `unavailable`.
    static func allFailed(_ errors: [PoolError], task: String) -> PoolError {
        if errors.isEmpty {
            return PoolError(code: .unavailable, message: "no provider available for task '\(task)'")
        }
        if let fault = errors.first(where: \.isCallerFault) { return fault }
        if errors.allSatisfy({ $0.code == .upstreamFailed }) {
            return PoolError(
                code: .upstreamFailed,
                message: "every provider for task '\(task)' failed: \(errors.map(\.message).joined(separator: "; "))"
            )
        }
        if errors.allSatisfy({ $0.code == .deadlineExceeded }) {
            return PoolError(
                code: .deadlineExceeded,
                message:
                    "every provider for task '\(task)' ran out of time: \(errors.map(\.message).joined(separator: "; "))"
            )
        }
        return PoolError(
            code: .unavailable,
            message: "every provider for task '\(task)' failed: \(errors.map(\.message).joined(separator: "; "))"
        )
    }
}
