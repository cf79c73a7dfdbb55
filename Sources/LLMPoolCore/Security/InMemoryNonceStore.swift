import Synchronization

/// A ``NonceStore`` for one replica: nonces expire after their TTL, and at most `capacity` are
/// kept (the oldest go first when it is full).
///
/// Only requests whose signature verified reach the store, so filling it takes a valid key; even
/// then, evicting the oldest nonce early only matters if its timestamp is still inside the skew
/// window.
public final class InMemoryNonceStore<C: Clock>: NonceStore where C.Duration == Duration {
    private struct Entry {
        var nonce: String
        var expires: C.Instant
    }

    private struct State {
        var expiries: [String: C.Instant] = [:]
        /// Insertion order; `head` is the oldest live slot. Compacted when half of it is dead.
        var order: [Entry] = []
        var head = 0

        mutating func evictExpired(now: C.Instant) {
            while head < order.count, order[head].expires <= now {
                let entry = order[head]
                if expiries[entry.nonce] == entry.expires { expiries.removeValue(forKey: entry.nonce) }
                head += 1
            }
            compactIfNeeded()
        }

        mutating func evictOldest() {
            guard head < order.count else { return }
            let entry = order[head]
            if expiries[entry.nonce] == entry.expires { expiries.removeValue(forKey: entry.nonce) }
            head += 1
            compactIfNeeded()
        }

        private mutating func compactIfNeeded() {
            if head > 1024, head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }

    private let capacity: Int
    private let clock: C
    private let state = Mutex(State())

    /// Creates a store.
    /// - Parameters:
    ///   - capacity: Most nonces kept. Default 100,000.
    ///   - clock: The clock TTLs are measured on.
    public init(capacity: Int = 100_000, clock: C) {
        self.capacity = max(1, capacity)
        self.clock = clock
    }

    /// The number of nonces held (expired ones may linger until the next insert).
    public var count: Int { state.withLock { $0.expiries.count } }

    public func insertIfAbsent(_ nonce: String, ttl: Duration) async throws -> Bool {
        let now = clock.now
        return state.withLock { state in
            state.evictExpired(now: now)
            if let expires = state.expiries[nonce], expires > now { return false }
            while state.expiries.count >= capacity { state.evictOldest() }
            let expires = now.advanced(by: ttl)
            state.expiries[nonce] = expires
            state.order.append(Entry(nonce: nonce, expires: expires))
            return true
        }
    }
}

extension InMemoryNonceStore where C == ContinuousClock {
    /// Creates a store on the continuous clock.
    public convenience init(capacity: Int = 100_000) {
        self.init(capacity: capacity, clock: ContinuousClock())
    }
}
