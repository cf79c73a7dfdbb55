import Synchronization

/// Requests and the extra calls spent on them (hedges, retries) over a rolling window; a spend is
/// allowed while it keeps `spent` within a limit computed from `requests`. Shared by ``HedgeBudget`` and
/// ``RetryBudget``.
final class RollingBudget: Sendable {
    private static let requestKind = 0
    private static let spentKind = 1

    let window: Duration
    private let counts: Mutex<RollingCounts>
    private let now: @Sendable () -> ContinuousClock.Instant

    init(window: Duration, now: @escaping @Sendable () -> ContinuousClock.Instant) {
        self.window = window
        self.now = now
        counts = Mutex(RollingCounts(window: window, slices: 10, kinds: 2, origin: now()))
    }

    func recordRequest() {
        let now = self.now()
        counts.withLock { $0.add(Self.requestKind, at: now) }
    }

    /// Spends one if `spent + 1 ≤ limit(requests)` over the window.
    func trySpend(limit: (_ requests: Int) -> Double) -> Bool {
        let now = self.now()
        return counts.withLock { counts in
            let totals = counts.totals(at: now)
            guard Double(totals[Self.spentKind] + 1) <= limit(totals[Self.requestKind]) else { return false }
            counts.add(Self.spentKind, at: now)
            return true
        }
    }

    var usage: (requests: Int, spent: Int) {
        let now = self.now()
        let totals = counts.withLock { $0.totals(at: now) }
        return (totals[Self.requestKind], totals[Self.spentKind])
    }
}
