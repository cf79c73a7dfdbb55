import Synchronization

/// A series with its label values and their rendered `name="value",…` text.
protocol LabeledSeries: AnyObject, Sendable {
    var labelValues: [String] { get }
}

/// The series of one family, keyed by label values, with the cardinality guard: past
/// `limit` series, new label sets fold into one series whose values are all `other`.
///
/// Lookups take the family's lock; observations on a returned series do not.
final class SeriesStore<Series: LabeledSeries>: Sendable {
    /// The label value of the series that collects label sets past the limit.
    static var overflowValue: String { "other" }

    private struct State {
        var series: [[String]: Series] = [:]
        /// Series sorted by label values, rebuilt after an insertion.
        var sorted: [Series]?
    }

    private let state = Mutex(State())
    private let descriptor: FamilyDescriptor
    private let make: @Sendable (_ labelValues: [String], _ labelText: String) -> Series
    /// Called once per lookup that folded into the overflow series.
    private let onOverflow: (@Sendable () -> Void)?

    init(
        descriptor: FamilyDescriptor,
        onOverflow: (@Sendable () -> Void)?,
        make: @escaping @Sendable (_ labelValues: [String], _ labelText: String) -> Series
    ) {
        self.descriptor = descriptor
        self.onOverflow = onOverflow
        self.make = make
    }

    func series(for values: [String]) -> Series {
        precondition(
            values.count == descriptor.labelNames.count,
            "\(descriptor.name) takes \(descriptor.labelNames.count) label values (\(descriptor.labelNames)), got \(values.count)"
        )
        let (series, folded) = state.withLock { state -> (Series, Bool) in
            if let existing = state.series[values] { return (existing, false) }
            var key = values
            var folded = false
            if state.series.count >= descriptor.seriesLimit {
                key = Array(repeating: Self.overflowValue, count: values.count)
                folded = true
                if let overflow = state.series[key] { return (overflow, true) }
            }
            let created = make(key, ExpositionText.labelPairs(names: descriptor.labelNames, values: key))
            state.series[key] = created
            state.sorted = nil
            return (created, folded)
        }
        if folded { onOverflow?() }
        return series
    }

    /// Every series, ordered by label values.
    func snapshot() -> [Series] {
        state.withLock { state in
            if let sorted = state.sorted { return sorted }
            let sorted = state.series.values.sorted { $0.labelValues.lexicographicallyPrecedes($1.labelValues) }
            state.sorted = sorted
            return sorted
        }
    }
}
