import Synchronization

/// One labelled series of a gauge: a value that goes up and down.
///
/// Get it once from `GaugeFamily.labels(_:)` and keep it; every operation is lock-free.
public final class GaugeSeries: Sendable, LabeledSeries {
    /// The label values, in the family's label-name order.
    public let labelValues: [String]
    let labelText: String
    /// The value, as a `Double`'s bit pattern.
    private let bits = Atomic<UInt64>(0)

    init(labelValues: [String], labelText: String) {
        self.labelValues = labelValues
        self.labelText = labelText
    }

    /// Sets the value.
    public func set(_ value: Double) {
        bits.store(value.bitPattern, ordering: .relaxed)
    }

    /// Adds `amount` (default 1).
    public func increment(by amount: Double = 1) {
        var current = bits.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + amount).bitPattern
            let (exchanged, original) = bits.weakCompareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// Subtracts `amount` (default 1).
    public func decrement(by amount: Double = 1) {
        increment(by: -amount)
    }

    /// The current value.
    public var value: Double {
        Double(bitPattern: bits.load(ordering: .relaxed))
    }
}
