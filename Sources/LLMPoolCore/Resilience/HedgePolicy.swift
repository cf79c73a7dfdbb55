import LLMPoolObservability

/// The hedge delay of FASTEST, from measured latency: how long to wait for a provider before
/// also asking the next one.
///
/// The delay for (provider, task) is the `qos.hedging.quantile` (p95 by default) of
/// `llm_pool_provider_latency_seconds{provider,model,task}` over the last `window`, clamped to
/// [`min_delay_ms`, `max_delay_ms`]. Until the window holds `minimumSamples` observations the
/// static `static_delay_ms` (clamped the same way) is used instead.
///
/// Hedging at the pN of a provider's own latency sends a second request for about (100 − N) % of
/// requests — the slowest ones — which is where the tail comes from ("The Tail at Scale", Dean
/// and Barroso, 2013). The histogram holds successful calls only, and a hedged call that loses is
/// cancelled before it completes, so the measured tail is slightly shorter than the real one; the
/// ``HedgeBudget`` bounds how far that feedback can push the hedge rate.
public struct HedgePolicy: Sendable {
    /// Where the delay came from.
    public enum Source: String, Sendable, Hashable {
        /// The measured quantile.
        case measured
        /// `static_delay_ms`: too few samples in the window.
        case `static`
    }

    /// Observations needed in the window before the measured quantile is used. Default 20.
    public var minimumSamples: Int
    /// How far back latency is read (capped by the registry's recent window). Default 60 s.
    public var window: Duration
    private let latency: HistogramFamily

    /// Creates a policy reading `metrics.providerLatency`.
    public init(metrics: PoolMetrics, minimumSamples: Int = 20, window: Duration = .seconds(60)) {
        self.latency = metrics.providerLatency
        self.minimumSamples = minimumSamples
        self.window = window
    }

    /// The delay before hedging away from `provider` on `task`.
    public func delay(for provider: any Provider, task: String, configuration: HedgingConfiguration) -> Duration {
        measure(provider, task: task, configuration: configuration).delay
    }

    /// The delay and where it came from.
    public func measure(_ provider: any Provider, task: String, configuration: HedgingConfiguration) -> (
        delay: Duration, source: Source
    ) {
        let series = latency.labels(provider.name, provider.model, task)
        if series.count(window: window) >= minimumSamples,
            let seconds = series.quantile(configuration.quantile, window: window)
        {
            return (Self.clamp(.seconds(seconds), configuration), .measured)
        }
        return (Self.clamp(configuration.staticDelay, configuration), .static)
    }

    static func clamp(_ delay: Duration, _ configuration: HedgingConfiguration) -> Duration {
        min(max(delay, configuration.minDelay), configuration.maxDelay)
    }
}
