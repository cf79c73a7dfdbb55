/// `[qos.retry]`: moving on to the next provider after a retryable failure.
///
/// A retry is made only while the request's deadline has time left, only for retryable errors
/// (`upstream_failed`, `unavailable`, `resource_exhausted`, a provider's own timeout), and only
/// within the ``RetryBudget``: over a rolling 10 s window, retries may be at most `budget_ratio`
/// of requests plus `min_retries_per_second` × 10 — so an outage of every provider adds at most
/// that fraction of load instead of multiplying it.
public struct RetryConfiguration: Sendable, Hashable {
    /// Whether failed calls move on to the next provider. Default true. TOML `qos.retry.enabled`.
    public var enabled: Bool
    /// Largest ratio of retries to requests over the budget window. Default 0.2. TOML `qos.retry.budget_ratio`.
    public var budgetRatio: Double
    /// Retries per second always allowed, whatever the ratio (so a quiet pool can still retry).
    /// Default 1. TOML `qos.retry.min_retries_per_second`.
    public var minRetriesPerSecond: Double
    /// Most sequential attempts per request, the first included (hedges are counted apart, by
    /// `qos.hedging.max_hedges`). Default 3. TOML `qos.retry.max_attempts`.
    public var maxAttempts: Int

    /// Creates a configuration.
    public init(enabled: Bool = true, budgetRatio: Double = 0.2, minRetriesPerSecond: Double = 1, maxAttempts: Int = 3)
    {
        self.enabled = enabled
        self.budgetRatio = budgetRatio
        self.minRetriesPerSecond = minRetriesPerSecond
        self.maxAttempts = maxAttempts
    }

    /// The defaults.
    public static var defaults: RetryConfiguration { .init() }
}
