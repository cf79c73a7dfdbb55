import Synchronization

/// Coalesces identical in-flight requests: the first caller for a key starts the work, callers
/// arriving while it runs wait for the same result, so one upstream call serves them all.
///
/// Each caller waits on its own terms: until the result, its own deadline (it alone gets
/// `deadlineExceeded`, the others still get the answer) or its own cancellation. When the last
/// caller leaves, the work is cancelled and leaves the table at once, under the same lock as the
/// waiter count: a caller arriving then starts a fresh call and never inherits a cancellation it
/// did not ask for. That last caller returns only once the cancelled work has ended, so no
/// upstream call outlives every request that wanted it.
///
/// The shared work runs in a task of its own rather than as a child of a caller: it must outlive
/// whichever caller started it, since others may still be waiting for it. It removes its key from
/// the table itself when it ends, so later requests go to the cache, not to a stale result.
public final class RequestCoalescer<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private typealias Waiter = CheckedContinuation<Value, any Error>

    /// One shared call and who waits for it.
    private struct Flight {
        var id: Int
        var task: Task<Void, Never>?
        var waiters: Set<Int> = []
    }

    /// Where a caller is: joined (not yet suspended), suspended, or answered before it suspended.
    private enum Seat {
        case joined(flight: Int)
        case waiting(flight: Int, Waiter)
        case answered(Result<Value, any Error>)
    }

    /// Handed to a caller that left a flight last: it waits for the cancelled work to end.
    private struct Abandoned: Error {
        var task: Task<Void, Never>?
        var error: any Error
    }

    private struct State {
        var flights: [Key: Flight] = [:]
        var seats: [Int: Seat] = [:]
        var nextID = 0

        mutating func makeID() -> Int {
            defer { nextID += 1 }
            return nextID
        }

        /// Seats a caller on the flight for `key`; `nil` flight ID when a new one must start.
        mutating func join(_ key: Key) -> (seat: Int, flight: Int, joined: Bool) {
            let seat = makeID()
            if var flight = flights[key] {
                flight.waiters.insert(seat)
                flights[key] = flight
                seats[seat] = .joined(flight: flight.id)
                return (seat, flight.id, true)
            }
            let flight = Flight(id: makeID(), waiters: [seat])
            flights[key] = flight
            seats[seat] = .joined(flight: flight.id)
            return (seat, flight.id, false)
        }

        /// Suspends a caller; its result if it already has one.
        mutating func wait(_ seat: Int, _ waiter: Waiter) -> Result<Value, any Error>? {
            switch seats[seat] {
            case .joined(let flight):
                seats[seat] = .waiting(flight: flight, waiter)
                return nil
            case .answered(let result):
                seats[seat] = nil
                return result
            case .waiting, nil:
                return .failure(CancellationError())
            }
        }

        /// Ends the flight `id` for `key`: its waiters to resume with the result.
        mutating func finish(_ key: Key, _ id: Int, _ result: Result<Value, any Error>) -> [Waiter] {
            guard let flight = flights[key], flight.id == id else { return [] }
            flights[key] = nil
            var ready: [Waiter] = []
            for seat in flight.waiters {
                if case .waiting(_, let waiter) = seats[seat] {
                    seats[seat] = nil
                    ready.append(waiter)
                } else {
                    seats[seat] = .answered(result)
                }
            }
            return ready
        }

        /// A caller leaves with `error`; the flight is abandoned (removed, to cancel) if it was the last.
        mutating func leave(_ key: Key, _ seat: Int, with error: any Error) -> (Waiter?, any Error)? {
            let flightID: Int
            var waiter: Waiter?
            switch seats[seat] {
            case .joined(let flight): flightID = flight
            case .waiting(let flight, let suspended): (flightID, waiter) = (flight, suspended)
            case .answered, nil: return nil
            }
            guard var flight = flights[key], flight.id == flightID else { return nil }
            flight.waiters.remove(seat)
            var failure = error
            if flight.waiters.isEmpty {
                flights[key] = nil
                failure = Abandoned(task: flight.task, error: error)
            } else {
                flights[key] = flight
            }
            if waiter == nil { seats[seat] = .answered(.failure(failure)) } else { seats[seat] = nil }
            return (waiter, failure)
        }
    }

    private let clock: any PoolClock
    private let state = Mutex(State())

    /// Creates an empty coalescer.
    /// - Parameter clock: What callers' deadlines are measured on.
    public init(clock: any PoolClock = SystemPoolClock()) {
        self.clock = clock
    }

    /// The number of keys with work in flight.
    public var inFlight: Int { state.withLock { $0.flights.count } }

    /// Returns the result of `work` for `key`, running it only if no identical call is in flight.
    ///
    /// - Parameters:
    ///   - key: What identifies identical calls.
    ///   - deadline: When this caller stops waiting; `nil` for never.
    ///   - deadlineError: What this caller gets when its deadline passes first.
    ///   - work: The call, run once for every caller that joins it.
    /// - Returns: The value, and whether this caller joined a call already in flight.
    /// - Throws: What `work` threw, `deadlineError`, or `CancellationError` when the caller was cancelled.
    public func run(
        _ key: Key,
        deadline: ContinuousClock.Instant? = nil,
        deadlineError: any Error = PoolError(code: .deadlineExceeded, message: "deadline exceeded"),
        _ work: @escaping @Sendable () async throws -> Value
    ) async throws -> (value: Value, joined: Bool) {
        let (seat, flight, joined) = state.withLock { $0.join(key) }
        if !joined { start(key, flight, work) }
        do {
            guard let deadline else { return (try await wait(key, seat), joined) }
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [clock] in
                    try await clock.sleep(until: deadline)
                    self.leave(key, seat, with: deadlineError)
                }
                defer { group.cancelAll() }
                return (try await wait(key, seat), joined)
            }
        } catch let abandoned as Abandoned {
            await abandoned.task?.value
            throw abandoned.error
        }
    }

    private func start(_ key: Key, _ id: Int, _ work: @escaping @Sendable () async throws -> Value) {
        // Made under the lock, so that a last caller leaving at once finds the task to cancel.
        state.withLock { state in
            state.flights[key]?.task = Task {
                let result: Result<Value, any Error>
                do {
                    result = .success(try await work())
                } catch {
                    result = .failure(error)
                }
                let waiters = self.state.withLock { $0.finish(key, id, result) }
                for waiter in waiters { waiter.resume(with: result) }
            }
        }
    }

    private func wait(_ key: Key, _ seat: Int) async throws -> Value {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (waiter: Waiter) in
                if let result = state.withLock({ $0.wait(seat, waiter) }) { waiter.resume(with: result) }
            }
        } onCancel: {
            leave(key, seat, with: CancellationError())
        }
    }

    private func leave(_ key: Key, _ seat: Int, with error: any Error) {
        guard let (waiter, failure) = state.withLock({ $0.leave(key, seat, with: error) }) else { return }
        if let abandoned = failure as? Abandoned { abandoned.task?.cancel() }
        waiter?.resume(throwing: failure)
    }
}
