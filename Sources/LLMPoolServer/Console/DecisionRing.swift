import Synchronization

/// The last N finished requests, for `/v1/admin/decisions` and the console: a fixed-size ring
/// behind one lock. Appending overwrites the oldest slot — O(1), no allocation once the ring has
/// filled — so the request path pays one short lock whether or not anyone watches; everything
/// else happens when the console reads.
///
/// ```swift
/// let ring = DecisionRing(capacity: 200)
/// ring.append(decision)                  // the gateway, once per request
/// ring.recent(limit: 50)                 // newest first
/// ring.recent(after: lastSeen)           // what a live view has not shown yet
/// ```
public final class DecisionRing: Sendable {
    private struct State: Sendable {
        var slots: [RecentDecision?]
        /// The slot the next append writes.
        var next = 0
        /// The sequence number of the last append (0 before the first).
        var sequence: UInt64 = 0
    }

    /// Decisions kept.
    public let capacity: Int
    private let state: Mutex<State>

    /// Creates an empty ring.
    /// - Parameter capacity: Decisions kept (TOML `console.decisions`), at least 1.
    public init(capacity: Int) {
        precondition(capacity >= 1, "a decision ring holds at least one decision")
        self.capacity = capacity
        self.state = Mutex(State(slots: Array(repeating: nil, count: capacity)))
    }

    /// Records a decision, forgetting the oldest when full; its ``RecentDecision/sequence`` is
    /// set here.
    public func append(_ decision: RecentDecision) {
        var decision = decision
        state.withLock { state in
            state.sequence &+= 1
            decision.sequence = state.sequence
            state.slots[state.next] = decision
            state.next = state.next + 1 == state.slots.count ? 0 : state.next + 1
        }
    }

    /// The sequence number of the newest decision (0 when none was recorded).
    public var lastSequence: UInt64 { state.withLock { $0.sequence } }

    /// Decisions recorded so far (at most ``capacity`` are kept).
    public var totalRecorded: UInt64 { lastSequence }

    /// The newest decisions, newest first.
    /// - Parameters:
    ///   - limit: At most this many.
    ///   - after: Only those with a larger sequence number (what a reader has not seen yet).
    public func recent(limit: Int = .max, after: UInt64 = 0) -> [RecentDecision] {
        state.withLock { state in
            var result: [RecentDecision] = []
            let count = state.slots.count
            var index = state.next
            for _ in 0..<min(limit, count) {
                index = index == 0 ? count - 1 : index - 1
                guard let decision = state.slots[index], decision.sequence > after else { break }
                result.append(decision)
            }
            return result
        }
    }
}
