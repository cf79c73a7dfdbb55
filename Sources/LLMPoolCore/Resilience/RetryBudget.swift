import LLMPoolObservability

/// Caps retries at a fraction of requests plus a small floor over a rolling window
/// (`[qos.retry]`: `budget_ratio`, `min_retries_per_second`), in the manner of Finagle's retry
/// budget: when every provider fails at once, retries add at most that fraction of load instead
/// of multiplying it, while a quiet pool can still retry its occasional failure.
///
/// Strategies call ``recordRequest()`` once per request and ``tryAcquire(_:)`` before each retry;
/// a refusal is counted as `llm_pool_retries_total{outcome="budget_denied"}`.
public final class RetryBudget: Sendable {
    private let budget: RollingBudget

    /// Creates a budget.
    /// - Parameters:
    ///   - window: The rolling window. Default 10 s.
    ///   - now: The clock; tests pass a manual one.
    public init(
        window: Duration = .seconds(10),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.budget = RollingBudget(window: window, now: now)
    }

    /// Counts one request.
    public func recordRequest() {
        budget.recordRequest()
    }

    /// Takes one retry from the budget, if `retries + 1 ≤ budget_ratio × requests +
    /// min_retries_per_second × window` over the window.
    /// - Returns: Whether the retry may be made.
    public func tryAcquire(_ configuration: RetryConfiguration) -> Bool {
        let floor = configuration.minRetriesPerSecond * budget.window.seconds
        return budget.trySpend { requests in configuration.budgetRatio * Double(requests) + floor }
    }

    /// Requests and retries counted in the window.
    public var usage: (requests: Int, retries: Int) {
        let usage = budget.usage
        return (usage.requests, usage.spent)
    }
}
