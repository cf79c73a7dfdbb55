/// `[qos.weighted]`: how the WEIGHTED strategy scores providers and chooses among them.
/// ``ProviderScorer`` documents the formula.
public struct WeightedConfiguration: Sendable, Hashable {
    /// How a provider is chosen from the scores.
    public enum Selection: String, Sendable, Hashable, CaseIterable {
        /// The highest score; ties go to the provider listed first for the task.
        case pick
        /// At random, with probability proportional to the score.
        case weightedRandom = "weighted_random"
    }

    /// How a provider is chosen. Default `weighted_random`. TOML `qos.weighted.selection`:
    /// `pick` or `weighted_random`.
    public var selection: Selection
    /// Latency quantile compared between providers. Default 0.9. TOML `qos.weighted.latency_quantile`.
    public var latencyQuantile: Double
    /// How far back latency is read (at most the metrics registry's recent window, 60 s).
    /// Default 60 s. TOML `qos.weighted.window_ms`.
    public var window: Duration
    /// Latency samples needed in the window before latency counts; with fewer, the provider's
    /// latency factor is 1, so a provider with no recent traffic is tried again. Default 10.
    /// TOML `qos.weighted.min_samples`.
    public var minSamples: Int
    /// Factor applied while the provider's circuit breaker is half-open. Default 0.2.
    /// TOML `qos.weighted.half_open_penalty`.
    public var halfOpenPenalty: Double
    /// Factor applied while the provider's last health probe failed. Default 0.1.
    /// TOML `qos.weighted.unhealthy_penalty`.
    public var unhealthyPenalty: Double

    /// Creates a configuration.
    public init(
        selection: Selection = .weightedRandom,
        latencyQuantile: Double = 0.9,
        window: Duration = .seconds(60),
        minSamples: Int = 10,
        halfOpenPenalty: Double = 0.2,
        unhealthyPenalty: Double = 0.1
    ) {
        self.selection = selection
        self.latencyQuantile = latencyQuantile
        self.window = window
        self.minSamples = minSamples
        self.halfOpenPenalty = halfOpenPenalty
        self.unhealthyPenalty = unhealthyPenalty
    }

    /// The defaults.
    public static var defaults: WeightedConfiguration { .init() }
}
