import Synchronization

/// A fixed-size array of 64-bit atomics: the storage of a histogram series (bucket counts, the sum's
/// bit pattern, the recent-window ring), allocated once so an observation is a few atomic adds.
///
/// `Atomic` is `~Copyable`, so it cannot live in an `Array`; this class owns a raw buffer instead.
final class AtomicCells: @unchecked Sendable {
    // @unchecked Sendable is safe: `base` is allocated and every cell initialised in `init`, never
    // reassigned, and deinitialised only in `deinit` (when no other reference exists). Between the
    // two, every access goes through `Atomic`'s operations, which are safe from any thread.
    private let base: UnsafeMutablePointer<Atomic<UInt64>>
    let count: Int

    init(count: Int, initialValue: UInt64 = 0) {
        precondition(count > 0)
        self.count = count
        base = .allocate(capacity: count)
        for index in 0..<count {
            (base + index).initialize(to: Atomic(initialValue))
        }
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always)
    func add(_ index: Int, _ amount: UInt64) {
        base[index].wrappingAdd(amount, ordering: .relaxed)
    }

    @inline(__always)
    func load(_ index: Int) -> UInt64 {
        base[index].load(ordering: .relaxed)
    }

    @inline(__always)
    func loadAcquiring(_ index: Int) -> UInt64 {
        base[index].load(ordering: .acquiring)
    }

    @inline(__always)
    func store(_ index: Int, _ value: UInt64) {
        base[index].store(value, ordering: .relaxed)
    }

    @inline(__always)
    func storeReleasing(_ index: Int, _ value: UInt64) {
        base[index].store(value, ordering: .releasing)
    }

    /// Adds to a cell holding a `Double`'s bit pattern (compare-and-swap loop).
    @inline(__always)
    func addDouble(_ index: Int, _ amount: Double) {
        var current = base[index].load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + amount).bitPattern
            let (exchanged, original) = base[index].weakCompareExchange(
                expected: current,
                desired: next,
                ordering: .relaxed
            )
            if exchanged { return }
            current = original
        }
    }

    @inline(__always)
    func loadDouble(_ index: Int) -> Double {
        Double(bitPattern: base[index].load(ordering: .relaxed))
    }
}
