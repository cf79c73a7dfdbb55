import Synchronization

/// The last transitions of every provider's circuit breaker, for the console's timeline: a
/// bounded ring per provider, written where a breaker changes state (``CircuitBreakerRegistry``)
/// with the breaker's own clock, read on request.
///
/// ```swift
/// let history = CircuitBreakerHistory(capacity: 32)
/// history.record(provider: "phi3-mini", CircuitBreaker.Transition(from: .closed, to: .open, at: now))
/// history.transitions(of: "phi3-mini")   // oldest first, at most 32
/// ```
public final class CircuitBreakerHistory: Sendable {
    /// Transitions kept per provider; older ones are forgotten.
    public let capacity: Int
    private let rings = Mutex<[String: Ring]>([:])

    /// A fixed-size ring of transitions, oldest overwritten first.
    struct Ring: Sendable {
        var slots: [CircuitBreaker.Transition] = []
        var next = 0

        mutating func append(_ transition: CircuitBreaker.Transition, capacity: Int) {
            if slots.count < capacity {
                slots.append(transition)
            } else {
                slots[next] = transition
            }
            next = (next + 1) % capacity
        }

        /// Oldest first.
        func ordered(capacity: Int) -> [CircuitBreaker.Transition] {
            slots.count < capacity || next == 0 ? slots : Array(slots[next...] + slots[..<next])
        }
    }

    /// Creates an empty history.
    /// - Parameter capacity: Transitions kept per provider, at least 1. Default 32.
    public init(capacity: Int = 32) {
        precondition(capacity >= 1, "a breaker history keeps at least one transition")
        self.capacity = capacity
    }

    /// Records one state change of `provider`'s breaker.
    public func record(provider: String, _ transition: CircuitBreaker.Transition) {
        let capacity = self.capacity
        rings.withLock { $0[provider, default: Ring()].append(transition, capacity: capacity) }
    }

    /// The transitions of `provider`'s breaker kept so far, oldest first.
    public func transitions(of provider: String) -> [CircuitBreaker.Transition] {
        let capacity = self.capacity
        return rings.withLock { $0[provider]?.ordered(capacity: capacity) ?? [] }
    }
}
