import Synchronization

/// Computes error-budget burn rates in-process over the multiwindow set of the SRE workbook
/// (5 m, 30 m, 1 h, 6 h), so the router can read them and `/metrics` can export them as
/// `llm_pool_slo_burn_rate{slo,window}`.
///
/// Events go into a ring of 10-second slices per objective (one short lock per request). The
/// burn rate of a window is the share of bad events in it divided by the error budget: 1 spends
/// the budget exactly over the SLO period, 14.4 over 1 h is the classic page threshold.
///
/// ```swift
/// let tracker = SLOTracker(objectives: [ServiceLevelObjective(task: "judge")])
/// tracker.record(task: "judge", success: true, latency: .milliseconds(180))
/// tracker.burnRate(task: "judge", indicator: .availability, window: .seconds(300))
/// ```
public final class SLOTracker: Sendable {
    /// The windows burn rates are computed over, with their label values.
    public static let windows: [(label: String, duration: Duration)] = [
        ("5m", .seconds(300)), ("30m", .seconds(1800)), ("1h", .seconds(3600)), ("6h", .seconds(21600)),
    ]

    /// The objectives tracked, by task.
    public let objectives: [String: ServiceLevelObjective]
    private let rings: [String: LockedSliceRing]
    /// Rings per provider and task, made on first use (bounded by configuration: tasks × providers).
    private let providerRings = Mutex<[ProviderKey: LockedSliceRing]>([:])
    private let ringCount: Int

    private struct ProviderKey: Hashable, Sendable {
        var task: String
        var provider: String
    }
    private let slice: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let origin: ContinuousClock.Instant

    /// Creates a tracker.
    ///
    /// - Parameters:
    ///   - objectives: One per task; events of other tasks are ignored.
    ///   - slice: The time resolution. Default 10 s.
    ///   - now: The clock; tests pass a manual one.
    public init(
        objectives: [ServiceLevelObjective],
        slice: Duration = .seconds(10),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        let longest = Self.windows.map(\.duration).max()!
        let count = Int((longest / slice).rounded(.up)) + 1
        self.objectives = Dictionary(objectives.map { ($0.task, $0) }, uniquingKeysWith: { $1 })
        self.rings = Dictionary(objectives.map { ($0.task, LockedSliceRing(count: count)) }, uniquingKeysWith: { $1 })
        self.slice = slice
        self.now = now
        self.origin = now()
        self.ringCount = count
    }

    /// Records one provider call made for `task`, so the router can read a burn rate per provider:
    /// the task's error budget spent by that provider's failures alone.
    public func recordProvider(task: String, provider: String, success: Bool) {
        guard objectives[task] != nil else { return }
        let key = ProviderKey(task: task, provider: provider)
        let ring = providerRings.withLock { rings in
            if let ring = rings[key] { return ring }
            let ring = LockedSliceRing(count: ringCount)
            rings[key] = ring
            return ring
        }
        let index = sliceIndex()
        ring.state.withLock { $0.add(at: index, bad: !success, slow: false) }
    }

    /// The availability burn rate of one provider's calls for `task` over the last `window`;
    /// `nil` when it made none in that window or the task has no objective.
    public func providerBurnRate(task: String, provider: String, window: Duration) -> Double? {
        guard let objective = objectives[task],
            let ring = providerRings.withLock({ $0[ProviderKey(task: task, provider: provider)] })
        else { return nil }
        let slices = max(1, Int((window / slice).rounded(.up)))
        let totals = ring.state.withLock { $0.sum(endingAt: sliceIndex(), slices: slices) }
        guard totals.total > 0 else { return nil }
        return Self.rounded((Double(totals.bad) / Double(totals.total)) / objective.budget(.availability))
    }

    /// Records one request of `task`: whether it succeeded and how long it took.
    public func record(task: String, success: Bool, latency: Duration) {
        guard let ring = rings[task], let objective = objectives[task] else { return }
        let index = sliceIndex()
        let slow = success && latency > objective.latencyThreshold
        ring.state.withLock { $0.add(at: index, bad: !success, slow: slow) }
    }

    /// The burn rate of one indicator over the last `window`; 0 when there were no events.
    public func burnRate(task: String, indicator: ServiceLevelObjective.Indicator, window: Duration) -> Double {
        guard let ring = rings[task], let objective = objectives[task] else { return 0 }
        let slices = max(1, Int((window / slice).rounded(.up)))
        let totals = ring.state.withLock { $0.sum(endingAt: sliceIndex(), slices: slices) }
        let ratio: Double
        switch indicator {
        case .availability:
            guard totals.total > 0 else { return 0 }
            ratio = Double(totals.bad) / Double(totals.total)
        case .latency:
            let good = totals.total - totals.bad
            guard good > 0 else { return 0 }
            ratio = Double(totals.slow) / Double(good)
        }
        return Self.rounded(ratio / objective.budget(indicator))
    }

    /// Burn rates to nine decimals: `1 - 0.99` is not exactly 0.01 in binary, and 100 reads better
    /// than 99.99999999999991 on a dashboard.
    static func rounded(_ value: Double) -> Double {
        (value * 1e9).rounded() / 1e9
    }

    /// The share of the error budget left over the longest window (1 untouched, 0 spent, negative
    /// when overspent).
    public func budgetRemaining(task: String, indicator: ServiceLevelObjective.Indicator) -> Double {
        1 - burnRate(task: task, indicator: indicator, window: Self.windows.last!.duration)
    }

    /// Exports burn rates and budgets as gauges before every render of `registry`.
    ///
    /// - Parameters:
    ///   - burnRate: A gauge family labelled `slo`, `window`.
    ///   - budgetRemaining: A gauge family labelled `slo`.
    public func export(burnRate: GaugeFamily, budgetRemaining: GaugeFamily, on registry: MetricsRegistry) {
        let update: @Sendable () -> Void = { [self] in
            for objective in objectives.values {
                for indicator in ServiceLevelObjective.Indicator.allCases {
                    let label = objective.label(indicator)
                    for window in Self.windows {
                        burnRate.labels(label, window.label).set(
                            self.burnRate(task: objective.task, indicator: indicator, window: window.duration)
                        )
                    }
                    budgetRemaining.labels(label).set(self.budgetRemaining(task: objective.task, indicator: indicator))
                }
            }
        }
        update()
        registry.addCollector(update)
    }

    private func sliceIndex() -> Int {
        Int(origin.duration(to: now()) / slice)
    }
}

/// A ``SliceRing`` behind a lock.
final class LockedSliceRing: Sendable {
    let state: Mutex<SliceRing>
    init(count: Int) { state = Mutex(SliceRing(count: count)) }
}

/// Per-slice event counts in a ring; slices are zeroed as time moves past them.
struct SliceRing: Sendable {
    private var total: [Int]
    private var bad: [Int]
    private var slow: [Int]
    private var newest = 0

    init(count: Int) {
        total = Array(repeating: 0, count: count)
        bad = total
        slow = total
    }

    mutating func add(at index: Int, bad isBad: Bool, slow isSlow: Bool) {
        advance(to: index)
        let i = index % total.count
        total[i] += 1
        if isBad { bad[i] += 1 }
        if isSlow { slow[i] += 1 }
    }

    mutating func sum(endingAt index: Int, slices: Int) -> (total: Int, bad: Int, slow: Int) {
        advance(to: index)
        var result = (total: 0, bad: 0, slow: 0)
        for offset in 0..<min(slices, total.count) {
            let slot = index - offset
            guard slot >= 0 else { break }
            let i = slot % total.count
            result.total += total[i]
            result.bad += bad[i]
            result.slow += slow[i]
        }
        return result
    }

    /// Zeroes the slices between the newest one written and `index`.
    private mutating func advance(to index: Int) {
        guard index > newest else { return }
        let steps = min(index - newest, total.count)
        for step in 1...steps {
            let i = (newest + step) % total.count
            total[i] = 0
            bad[i] = 0
            slow[i] = 0
        }
        newest = index
    }
}
