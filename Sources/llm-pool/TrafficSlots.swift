import Synchronization

/// A count of free slots, taken without waiting: the demo traffic skips a beat rather than
/// queueing requests when the pool is slow.
final class TrafficSlots: Sendable {
    private let free: Mutex<Int>

    init(_ slots: Int) {
        free = Mutex(slots)
    }

    /// Takes a slot if one is free.
    func tryAcquire() -> Bool {
        free.withLock { free in
            guard free > 0 else { return false }
            free -= 1
            return true
        }
    }

    /// Gives a slot back.
    func release() {
        free.withLock { $0 += 1 }
    }
}
