import LLMPoolObservability
import Synchronization

/// The pool's routing state that outlives requests: circuit breakers, hedge and retry budgets,
/// the hedge policy, health-probe results and the WEIGHTED scorer. The orchestrator holds one for
/// the life of the process (breakers keep their state across configuration reloads) and hands it
/// to every strategy through ``StrategyContext/resilience``.
///
/// ```swift
/// let resilience = Resilience(configuration: config, telemetry: telemetry)
/// resilience.scorer.setBurnRateSource { provider, task in tracker.burnRate(task: task, …) }
/// let orchestrator = Orchestrator(configuration: config, providers: providers, telemetry: telemetry, resilience: resilience)
/// let prober = HealthProber(providers: { orchestrator.snapshot.providers }, resilience: resilience, metrics: telemetry.metrics)
/// ```
public final class Resilience: Sendable {
    /// A provider kept out of a request by its breaker.
    public struct Rejection: Sendable {
        /// The provider.
        public var provider: any Provider
        /// Its breaker's state (`open`, or `half_open` with every probe slot taken).
        public var state: CircuitBreaker.State
        /// How much longer the provider asked to be left alone (`Retry-After`), when that is why
        /// it is kept out (``CircuitBreaker/holdOff(until:)``).
        public var heldFor: Duration?

        /// Why it is kept out, for messages: `circuit breaker open`, or `retry after 2000 ms`.
        public var reason: String {
            if let heldFor { return "retry after \(heldFor.millisecondsRoundedUp) ms" }
            return "circuit breaker \(state)"
        }
    }

    /// The providers a request may use, after the breakers had their say.
    public struct Admission: Sendable {
        /// Providers whose breaker lets calls through, in the order given.
        public var admitted: [any Provider]
        /// Providers kept out.
        public var rejected: [Rejection]
    }

    /// One breaker per provider.
    public let breakers: CircuitBreakerRegistry
    /// Hedges as a fraction of requests.
    public let hedgeBudget: HedgeBudget
    /// Retries as a fraction of requests.
    public let retryBudget: RetryBudget
    /// Hedge delays from measured latency.
    public let hedgePolicy: HedgePolicy
    /// Health-probe results.
    public let health: ProviderHealthBoard
    /// WEIGHTED scores.
    public let scorer: ProviderScorer
    private let weights: Mutex<[String: Double]>
    private let clockNow: @Sendable () -> ContinuousClock.Instant

    /// Creates the routing state for a configuration.
    /// - Parameters:
    ///   - configuration: Breaker settings (`[qos.circuit_breaker]`) and provider weights.
    ///   - telemetry: Breaker states, hedge delays and scores are read from and exported to its metrics.
    ///   - burnRate: SLO burn rates for WEIGHTED scores; `nil` for none (see ``ProviderScorer/setBurnRateSource(_:)``).
    ///   - now: The clock of breakers and budgets; tests pass a manual one.
    public init(
        configuration: PoolConfiguration,
        telemetry: PoolTelemetry,
        burnRate: BurnRateSource? = nil,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        let breakers = CircuitBreakerRegistry(
            configuration: configuration.qos.circuitBreaker,
            metrics: telemetry.metrics,
            now: now
        )
        let health = ProviderHealthBoard()
        self.breakers = breakers
        self.health = health
        self.hedgeBudget = HedgeBudget(now: now)
        self.retryBudget = RetryBudget(now: now)
        self.hedgePolicy = HedgePolicy(metrics: telemetry.metrics)
        self.scorer = ProviderScorer(metrics: telemetry.metrics, breakers: breakers, health: health, burnRate: burnRate)
        self.weights = Mutex(Self.weights(of: configuration))
        self.clockNow = now
        for provider in configuration.providers { _ = breakers.breaker(for: provider.name) }
    }

    /// Holds a provider back for as long as it asked (`Retry-After` on a 429): its breaker lets
    /// no call through until then, and requests skip it as they skip an open breaker.
    public func holdOff(_ provider: String, for duration: Duration) {
        guard duration > .zero else { return }
        breakers.breaker(for: provider).holdOff(until: clockNow().advanced(by: duration))
    }

    /// Applies a reloaded configuration: breaker settings and weights (breaker states are kept).
    public func apply(_ configuration: PoolConfiguration) {
        breakers.update(configuration.qos.circuitBreaker)
        weights.withLock { $0 = Self.weights(of: configuration) }
        for provider in configuration.providers { _ = breakers.breaker(for: provider.name) }
    }

    /// Configured weights by provider name.
    public var providerWeights: [String: Double] { weights.withLock { $0 } }

    /// Splits `providers` into those whose breaker lets calls through and those kept out.
    /// - Throws: ``PoolError`` `unavailable`, naming them, when every provider is kept out.
    public func admit(_ providers: [any Provider], task: String) throws -> Admission {
        var admission = Admission(admitted: [], rejected: [])
        for provider in providers {
            let snapshot = breakers.breaker(for: provider.name).snapshot()
            if snapshot.admitsCalls {
                admission.admitted.append(provider)
            } else {
                let heldFor = snapshot.heldUntil.map { clockNow().duration(to: $0) }
                admission.rejected.append(Rejection(provider: provider, state: snapshot.state, heldFor: heldFor))
            }
        }
        if admission.admitted.isEmpty, !admission.rejected.isEmpty {
            let rejected = admission.rejected
            let names = rejected.map { "\($0.provider.name) (\($0.heldFor == nil ? $0.state.description : $0.reason))" }
            let why =
                rejected.contains { $0.heldFor != nil }
                ? "its circuit breaker or its Retry-After" : "its circuit breaker"
            throw PoolError(
                code: .unavailable,
                message: "every provider for task '\(task)' is held back by \(why): \(names.joined(separator: ", "))"
            )
        }
        return admission
    }

    private static func weights(of configuration: PoolConfiguration) -> [String: Double] {
        Dictionary(configuration.providers.map { ($0.name, $0.weight) }, uniquingKeysWith: { first, _ in first })
    }
}
