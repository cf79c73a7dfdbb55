import Synchronization

/// Coalesces identical in-flight requests: the first caller for a key starts the work, callers
/// arriving while it runs wait for the same result, so one upstream call serves them all.
///
/// The work runs in its own task, cancelled only when every caller waiting on it has gone (one
/// impatient caller does not fail the others). Keys leave the table as soon as the work ends, so
/// later requests go to the cache, not to a stale result.
public final class RequestCoalescer<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private final class Flight: Sendable {
        let task: Task<Value, any Error>
        let waiters = Atomic<Int>(1)
        init(task: Task<Value, any Error>) { self.task = task }
    }

    private let flights = Mutex<[Key: Flight]>([:])

    /// Creates an empty coalescer.
    public init() {}

    /// The number of keys with work in flight.
    public var inFlight: Int { flights.withLock { $0.count } }

    /// Returns the result of `work` for `key`, running it only if no identical call is in flight.
    ///
    /// - Returns: The value, and whether this caller joined a call already in flight.
    public func run(_ key: Key, _ work: @escaping @Sendable () async throws -> Value) async throws -> (
        value: Value, joined: Bool
    ) {
        let (flight, joined): (Flight, Bool) = flights.withLock { flights in
            if let existing = flights[key] {
                existing.waiters.add(1, ordering: .relaxed)
                return (existing, true)
            }
            let flight = Flight(task: Task { try await work() })
            flights[key] = flight
            return (flight, false)
        }
        if !joined {
            // Remove the key when the work ends, whoever is still waiting.
            Task { [flights = self] in
                _ = await flight.task.result
                flights.remove(key, flight)
            }
        }
        let value = try await withTaskCancellationHandler {
            try await flight.task.value
        } onCancel: {
            if flight.waiters.subtract(1, ordering: .relaxed).newValue == 0 { flight.task.cancel() }
        }
        return (value, joined)
    }

    private func remove(_ key: Key, _ flight: Flight) {
        flights.withLock { flights in
            if flights[key] === flight { flights[key] = nil }
        }
    }
}
