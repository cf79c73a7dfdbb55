import Synchronization

/// One labelled series of a counter: a value that only goes up.
///
/// Get it once from `CounterFamily.labels(_:)` and keep it; `increment(by:)` is lock-free.
public final class CounterSeries: Sendable, LabeledSeries {
    /// The label values, in the family's label-name order.
    public let labelValues: [String]
    let labelText: String
    /// Whole-number increments, the common case, added without a compare-and-swap loop.
    private let whole = Atomic<UInt64>(0)
    /// Fractional increments, as a `Double`'s bit pattern.
    private let fraction = Atomic<UInt64>(0)

    init(labelValues: [String], labelText: String) {
        self.labelValues = labelValues
        self.labelText = labelText
    }

    /// Adds `amount` (default 1). Negative, NaN and infinite amounts are ignored: a counter never
    /// goes down (they trip an assertion in debug builds).
    public func increment(by amount: Double = 1) {
        guard amount >= 0, amount.isFinite else {
            assertionFailure("counter increments must be finite and >= 0, got \(amount)")
            return
        }
        if amount == amount.rounded(.towardZero), amount < 9_007_199_254_740_992 {
            whole.wrappingAdd(UInt64(amount), ordering: .relaxed)
        } else {
            var current = fraction.load(ordering: .relaxed)
            while true {
                let next = (Double(bitPattern: current) + amount).bitPattern
                let (exchanged, original) = fraction.weakCompareExchange(
                    expected: current,
                    desired: next,
                    ordering: .relaxed
                )
                if exchanged { return }
                current = original
            }
        }
    }

    /// The current value.
    public var value: Double {
        Double(whole.load(ordering: .relaxed)) + Double(bitPattern: fraction.load(ordering: .relaxed))
    }

    /// Replaces the value: for collectors mirroring a counter kept elsewhere (CPU seconds from
    /// `/proc`) and for swift-metrics' `reset()`.
    func set(_ value: Double) {
        whole.store(0, ordering: .relaxed)
        fraction.store(max(0, value).bitPattern, ordering: .relaxed)
    }
}
