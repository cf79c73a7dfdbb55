/// Caps hedged requests at a fraction of requests (`qos.hedging.budget_ratio`) over a rolling
/// window, so that hedging cannot multiply load when every provider slows down at once: during
/// an outage most requests would pass their hedge delay, and unbudgeted hedging would double the
/// traffic to backends that are already struggling.
///
/// A small floor (`minimumPerWindow`, default 1) lets a quiet pool hedge at all: at 10 % a pool
/// serving fewer than 10 requests per window could otherwise never hedge.
///
/// FASTEST calls ``recordRequest()`` once per request and ``tryAcquire(ratio:)`` before each
/// hedge; a refusal is counted as `llm_pool_hedges_total{outcome="budget_denied"}`.
public final class HedgeBudget: Sendable {
    private let budget: RollingBudget
    /// Hedges always allowed per window.
    public let minimumPerWindow: Int

    /// Creates a budget.
    /// - Parameters:
    ///   - window: The rolling window. Default 10 s.
    ///   - minimumPerWindow: Hedges allowed per window whatever the ratio. Default 1.
    ///   - now: The clock; tests pass a manual one.
    public init(
        window: Duration = .seconds(10),
        minimumPerWindow: Int = 1,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.budget = RollingBudget(window: window, now: now)
        self.minimumPerWindow = minimumPerWindow
    }

    /// Counts one request.
    public func recordRequest() {
        budget.recordRequest()
    }

    /// Takes one hedge from the budget, if `hedges + 1 ≤ max(minimumPerWindow, ratio × requests)`
    /// over the window.
    /// - Parameter ratio: `qos.hedging.budget_ratio`.
    /// - Returns: Whether the hedge may be sent.
    public func tryAcquire(ratio: Double) -> Bool {
        let floor = Double(minimumPerWindow)
        return budget.trySpend { requests in max(floor, ratio * Double(requests)) }
    }

    /// Requests and hedges counted in the window.
    public var usage: (requests: Int, hedges: Int) {
        let usage = budget.usage
        return (usage.requests, usage.spent)
    }
}
