import Synchronization

/// One labelled series of a histogram: cumulative bucket counts, sum and count for `/metrics`,
/// an exemplar per bucket, and the last few time slices of bucket counts for routing reads
/// (`quantile(_:window:)`, `count(window:)`).
///
/// Get it once from `HistogramFamily.labels(_:)` and keep it; `observe(_:exemplar:)` is a few
/// atomic adds (plus a per-series lock only when an exemplar is given).
public final class HistogramSeries: Sendable, LabeledSeries {
    /// The label values, in the family's label-name order.
    public let labelValues: [String]
    let labelText: String
    /// Finite upper bounds, increasing; the `+Inf` bucket is implicit.
    let upperBounds: [Double]
    /// Cells `0...upperBounds.count` count observations per bucket (not cumulative; the last is
    /// `+Inf`); the next cell holds the sum's bit pattern.
    private let cells: AtomicCells
    private let recent: SlicedBucketCounts
    private let exemplars: Mutex<[Exemplar?]>

    init(labelValues: [String], labelText: String, upperBounds: [Double], window: RecentWindow) {
        self.labelValues = labelValues
        self.labelText = labelText
        self.upperBounds = upperBounds
        cells = AtomicCells(count: upperBounds.count + 2)
        recent = SlicedBucketCounts(window: window, bucketCount: upperBounds.count + 1)
        exemplars = Mutex(Array(repeating: nil, count: upperBounds.count + 1))
    }

    private var sumIndex: Int { upperBounds.count + 1 }

    /// Records one observation. NaN is ignored (an assertion in debug builds).
    ///
    /// - Parameters:
    ///   - value: The observed value, in the family's unit (seconds for latencies).
    ///   - exemplar: The trace that produced it, kept as the latest exemplar of the bucket the
    ///     value falls in.
    public func observe(_ value: Double, exemplar: Exemplar? = nil) {
        guard !value.isNaN else {
            assertionFailure("histogram observations must not be NaN")
            return
        }
        let bucket = bucketIndex(value)
        cells.add(bucket, 1)
        cells.addDouble(sumIndex, value)
        recent.record(bucket: bucket)
        if let exemplar {
            exemplars.withLock { $0[bucket] = exemplar }
        }
    }

    /// Observations recorded in the last `window` (rounded up to whole time slices of the
    /// registry's recent window, and at most that window).
    public func count(window: Duration) -> Int {
        Int(recent.counts(over: window).reduce(0, &+))
    }

    /// Estimates the `q`-quantile of the observations of the last `window`, interpolating
    /// linearly inside the bucket that holds it (as PromQL's `histogram_quantile` does).
    ///
    /// - Parameters:
    ///   - q: The quantile, in `0...1` (0.95 for p95).
    ///   - window: How far back to look; rounded up to whole slices and capped at the registry's
    ///     recent window.
    /// - Returns: The estimate; the highest finite bound when it falls in the `+Inf` bucket; `nil`
    ///   when there were no observations in the window or `q` is outside `0...1`.
    public func quantile(_ q: Double, window: Duration) -> Double? {
        Self.quantile(q, counts: recent.counts(over: window), upperBounds: upperBounds)
    }

    /// Per-bucket counts (not cumulative, `+Inf` last) of the observations of the last `window`,
    /// rounded up to whole slices and capped at the registry's recent window.
    public func recentCounts(window: Duration) -> [UInt64] {
        recent.counts(over: window)
    }

    /// Per-bucket counts (not cumulative, `+Inf` last) since the series was made, and the sum.
    public var totals: (counts: [UInt64], sum: Double) {
        ((0...upperBounds.count).map { cells.load($0) }, cells.loadDouble(sumIndex))
    }

    /// The finite bucket upper bounds, increasing (`+Inf` is implicit).
    public var bounds: [Double] { upperBounds }

    /// Estimates the `q`-quantile of per-bucket `counts` (not cumulative, `+Inf` last) over
    /// `upperBounds`, interpolating linearly inside the bucket that holds it, as PromQL's
    /// `histogram_quantile` does: the counts of several series with the same buckets may be added
    /// first.
    /// - Returns: The estimate; the highest finite bound when it falls in the `+Inf` bucket; `nil`
    ///   when the counts are all 0 or `q` is outside `0...1`.
    public static func quantile(_ q: Double, counts: [UInt64], upperBounds: [Double]) -> Double? {
        guard q >= 0, q <= 1 else { return nil }
        let total = counts.reduce(0, &+)
        guard total > 0 else { return nil }
        let rank = q * Double(total)
        var below: UInt64 = 0
        for (bucket, count) in counts.enumerated() {
            let cumulative = below + count
            if count > 0, Double(cumulative) >= rank {
                guard bucket < upperBounds.count else { return upperBounds.last }
                let upper = upperBounds[bucket]
                let lower = bucket == 0 ? min(0, upper) : upperBounds[bucket - 1]
                return lower + (upper - lower) * (rank - Double(below)) / Double(count)
            }
            below = cumulative
        }
        return upperBounds.last
    }

    /// Cumulative counts per bucket (`+Inf` last), the sum and the exemplars, for rendering.
    /// The count is the `+Inf` bucket, so `_count` always equals it.
    func snapshot(withExemplars: Bool) -> (cumulative: [UInt64], sum: Double, exemplars: [Exemplar?]) {
        var cumulative = [UInt64](repeating: 0, count: upperBounds.count + 1)
        var running: UInt64 = 0
        for bucket in 0...upperBounds.count {
            running &+= cells.load(bucket)
            cumulative[bucket] = running
        }
        return (cumulative, cells.loadDouble(sumIndex), withExemplars ? exemplars.withLock { $0 } : [])
    }

    /// The first bucket whose upper bound is >= `value` (`upperBounds.count` for `+Inf`).
    @inline(__always)
    private func bucketIndex(_ value: Double) -> Int {
        var low = 0
        var high = upperBounds.count
        while low < high {
            let middle = (low + high) / 2
            if value <= upperBounds[middle] { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
