import LLMPoolObservability
import Synchronization

/// The error-budget burn rate of a provider on a task (1 spends the budget exactly over the SLO
/// period), or `nil` when unknown. The SLO tracker feeds it.
public typealias BurnRateSource = @Sendable (_ provider: String, _ task: String) -> Double?

/// Scores providers for the WEIGHTED strategy from what was measured, and exports the scores as
/// `llm_pool_provider_score{provider,task}`.
///
/// For provider *p* on task *t* (all inputs over the recent window, `[qos.weighted]`):
///
/// ```
/// score(p, t) = 0                                           if p's circuit breaker is open (excluded)
///             = weight(p)                                   [[providers]] weight
///               × (ℓ_best / ℓ_p)                             latency: ℓ = latency_quantile of
///                                                            llm_pool_provider_latency_seconds{p,t};
///                                                            ℓ_best the lowest among the candidates;
///                                                            1 while p has < min_samples samples
///               × ((successes + 1) / (calls + 1))²           success rate in the breaker's window
///               × (half_open_penalty if half-open, else 1)
///               × 1 / max(1, burn_rate(p, t))                SLO burn rate; 1 when unknown
///               × (unhealthy_penalty if the last probe failed, else 1)
/// ```
///
/// Each factor is in (0, 1] except the weight, so a score reads as "the weight, discounted by
/// everything that went wrong". A provider that slows down loses in proportion to the slowdown as
/// soon as its slow calls reach the quantile; one that fails loses quadratically in its success
/// rate, then all its traffic when its breaker opens. It regains traffic as the window forgets:
/// once its recent samples fall below `min_samples` its latency factor returns to 1, and a
/// breaker that closes again starts with a clean window.
public final class ProviderScorer: Sendable {
    /// One provider's score and what it was made of.
    public struct Score: Sendable, Hashable {
        /// The provider's name.
        public var provider: String
        /// The score; 0 when excluded.
        public var value: Double
        /// Whether the provider may not be chosen (open breaker).
        public var excluded: Bool
        /// The configured weight.
        public var weight: Double
        /// The latency quantile in seconds, `nil` with too few samples.
        public var latency: Double?
        /// The latency factor, in (0, 1].
        public var latencyFactor: Double
        /// The smoothed success rate, in (0, 1].
        public var successRate: Double
        /// The breaker's state.
        public var breaker: CircuitBreaker.State
        /// The burn rate, when known.
        public var burnRate: Double?
        /// Whether the last health probe succeeded.
        public var healthy: Bool
    }

    private let latency: HistogramFamily
    private let exported: GaugeFamily
    private let breakers: CircuitBreakerRegistry
    private let health: ProviderHealthBoard
    private let burnRates: Mutex<BurnRateSource?>

    /// Creates a scorer.
    /// - Parameters:
    ///   - metrics: Latency is read from it and scores are exported to it.
    ///   - breakers: Breaker states and success rates.
    ///   - health: Health-probe results.
    ///   - burnRate: SLO burn rates; `nil` leaves that factor at 1.
    public init(
        metrics: PoolMetrics,
        breakers: CircuitBreakerRegistry,
        health: ProviderHealthBoard,
        burnRate: BurnRateSource? = nil
    ) {
        self.latency = metrics.providerLatency
        self.exported = metrics.providerScore
        self.breakers = breakers
        self.health = health
        self.burnRates = Mutex(burnRate)
    }

    /// Sets where burn rates come from (the SLO tracker, once it exists).
    public func setBurnRateSource(_ source: BurnRateSource?) {
        burnRates.withLock { $0 = source }
    }

    /// Scores `providers` for `task` and exports the scores.
    /// - Parameters:
    ///   - providers: The candidates, in the task's order.
    ///   - task: The task.
    ///   - weights: Configured weights by provider name (missing: 1).
    ///   - configuration: `[qos.weighted]`.
    /// - Returns: One score per provider, in the order given.
    public func scores(
        for providers: [any Provider],
        task: String,
        weights: [String: Double],
        configuration: WeightedConfiguration
    ) -> [Score] {
        let burnRate = burnRates.withLock { $0 }
        let latencies: [Double?] = providers.map { provider in
            let series = latency.labels(provider.name, provider.model, task)
            guard series.count(window: configuration.window) >= configuration.minSamples,
                let value = series.quantile(configuration.latencyQuantile, window: configuration.window), value > 0
            else { return nil }
            return value
        }
        let best = latencies.compactMap { $0 }.min()
        var result: [Score] = []
        for (index, provider) in providers.enumerated() {
            let breaker = breakers.breaker(for: provider.name).snapshot()
            let weight = weights[provider.name] ?? 1
            let latencyFactor = if let best, let own = latencies[index] { min(1, best / own) } else { 1.0 }
            let successes = Double(breaker.calls - breaker.failures)
            let successRate = (successes + 1) / (Double(breaker.calls) + 1)
            let burn = burnRate?(provider.name, task)
            let healthy = health.isHealthy(provider.name)
            var value = weight * latencyFactor * successRate * successRate
            if breaker.state == .halfOpen { value *= configuration.halfOpenPenalty }
            if let burn, burn > 1 { value /= burn }
            if !healthy { value *= configuration.unhealthyPenalty }
            let excluded = breaker.state == .open || breaker.heldUntil != nil
            if excluded { value = 0 }
            result.append(
                Score(
                    provider: provider.name,
                    value: value,
                    excluded: excluded,
                    weight: weight,
                    latency: latencies[index],
                    latencyFactor: latencyFactor,
                    successRate: successRate,
                    breaker: breaker.state,
                    burnRate: burn,
                    healthy: healthy
                )
            )
            exported.labels(provider.name, task).set(value)
        }
        return result
    }
}
