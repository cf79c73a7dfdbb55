import Synchronization

/// Bucket counts of the last few time slices of one histogram series: the data behind
/// `HistogramSeries.quantile(_:window:)`. A ring of `window.slices` slots, each tagged with the
/// epoch (slice number) it holds; a slot is cleared when time reaches it again.
///
/// Observations touch atomics only; the rotation lock is taken once per slot and slice, by the
/// first observation of a new slice.
final class SlicedBucketCounts: Sendable {
    private static let emptyEpoch = Int64.min

    private let window: RecentWindow
    private let bucketCount: Int
    /// Cells `0..<slices` hold each slot's epoch; then `slices × bucketCount` counts.
    private let cells: AtomicCells
    private let rotation = Mutex(())

    init(window: RecentWindow, bucketCount: Int) {
        self.window = window
        self.bucketCount = bucketCount
        cells = AtomicCells(count: window.slices * (bucketCount + 1))
        for slot in 0..<window.slices {
            cells.store(slot, UInt64(bitPattern: Self.emptyEpoch))
        }
    }

    /// Counts one observation in `bucket` of the current slice.
    @inline(__always)
    func record(bucket: Int) {
        let epoch = window.currentEpoch()
        let slot = self.slot(of: epoch)
        let held = Int64(bitPattern: cells.loadAcquiring(slot))
        if held != epoch {
            guard rotate(slot: slot, to: epoch) else { return }
        }
        cells.add(countIndex(slot: slot, bucket: bucket), 1)
    }

    /// Per-bucket counts (not cumulative) over the slices covering `window`, current one included.
    func counts(over duration: Duration) -> [UInt64] {
        let current = window.currentEpoch()
        var totals = [UInt64](repeating: 0, count: bucketCount)
        for back in 0..<window.sliceCount(covering: duration) {
            let epoch = current - Int64(back)
            let slot = self.slot(of: epoch)
            guard Int64(bitPattern: cells.loadAcquiring(slot)) == epoch else { continue }
            for bucket in 0..<bucketCount {
                totals[bucket] &+= cells.load(countIndex(slot: slot, bucket: bucket))
            }
        }
        return totals
    }

    /// Clears `slot` for `epoch`; false when the slot already holds a newer slice (the caller
    /// was descheduled for a whole window and its observation is too old to count).
    private func rotate(slot: Int, to epoch: Int64) -> Bool {
        rotation.withLock { _ in
            let held = Int64(bitPattern: cells.loadAcquiring(slot))
            if held == epoch { return true }
            if held > epoch { return false }
            for bucket in 0..<bucketCount {
                cells.store(countIndex(slot: slot, bucket: bucket), 0)
            }
            cells.storeReleasing(slot, UInt64(bitPattern: epoch))
            return true
        }
    }

    @inline(__always)
    private func slot(of epoch: Int64) -> Int {
        let remainder = Int(epoch % Int64(window.slices))
        return remainder < 0 ? remainder + window.slices : remainder
    }

    @inline(__always)
    private func countIndex(slot: Int, bucket: Int) -> Int {
        window.slices + slot * bucketCount + bucket
    }
}
