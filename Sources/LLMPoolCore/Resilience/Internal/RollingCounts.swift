import LLMPoolObservability

/// Counts of a few kinds of event over a sliding time window, cut into slices: the window slides
/// one slice at a time and a slice is cleared when time comes back to its slot.
///
/// A value type: the owner keeps it behind its own lock (``CircuitBreaker``, ``HedgeBudget``,
/// ``RetryBudget``) and passes the current instant, so tests drive it with a manual clock.
struct RollingCounts: Sendable {
    private let origin: ContinuousClock.Instant
    private let sliceNanoseconds: Int64
    /// The slice number each slot holds (`Int64.min` when empty).
    private var epochs: [Int64]
    /// `counts[slot * kinds + kind]`.
    private var counts: [Int]
    private let kinds: Int

    /// - Parameters:
    ///   - window: The span of time counted.
    ///   - slices: How many slices the window is cut into (the resolution of its sliding).
    ///   - kinds: How many kinds of event are counted.
    ///   - origin: Any instant; slices are numbered from it.
    init(window: Duration, slices: Int, kinds: Int, origin: ContinuousClock.Instant) {
        precondition(slices >= 1 && kinds >= 1, "a rolling window needs at least one slice and one kind")
        self.origin = origin
        self.sliceNanoseconds = max(1, window.nanoseconds / Int64(slices))
        self.kinds = kinds
        epochs = Array(repeating: .min, count: slices)
        counts = Array(repeating: 0, count: slices * kinds)
    }

    /// Adds `amount` events of `kind` at `now`.
    mutating func add(_ kind: Int, _ amount: Int = 1, at now: ContinuousClock.Instant) {
        let epoch = self.epoch(of: now)
        let slot = self.slot(of: epoch)
        if epochs[slot] != epoch {
            // Time reached this slot again: what it held is older than the window.
            epochs[slot] = epoch
            for kind in 0..<kinds { counts[slot * kinds + kind] = 0 }
        }
        counts[slot * kinds + kind] += amount
    }

    /// The events of each kind in the window ending at `now`.
    func totals(at now: ContinuousClock.Instant) -> [Int] {
        let current = epoch(of: now)
        var totals = Array(repeating: 0, count: kinds)
        for slot in epochs.indices
        where epochs[slot] != .min && epochs[slot] > current - Int64(epochs.count) && epochs[slot] <= current {
            for kind in 0..<kinds { totals[kind] += counts[slot * kinds + kind] }
        }
        return totals
    }

    /// Forgets every event.
    mutating func reset() {
        for slot in epochs.indices { epochs[slot] = .min }
        for index in counts.indices { counts[index] = 0 }
    }

    private func epoch(of instant: ContinuousClock.Instant) -> Int64 {
        let elapsed = origin.duration(to: instant).nanoseconds
        let quotient = elapsed / sliceNanoseconds
        return elapsed % sliceNanoseconds < 0 ? quotient - 1 : quotient
    }

    private func slot(of epoch: Int64) -> Int {
        let remainder = Int(epoch % Int64(epochs.count))
        return remainder < 0 ? remainder + epochs.count : remainder
    }
}
