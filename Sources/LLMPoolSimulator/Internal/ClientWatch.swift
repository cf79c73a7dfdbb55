import Hummingbird
import Synchronization

/// Whether the client of one request is still connected, for the handler's waits to end when it
/// goes away.
///
/// Hummingbird does not cancel a handler whose client leaves; watching the inbound side of the
/// connection is how a handler finds out, and it can be done only once per request. One watch
/// covers the whole request (queueing, latency, streaming), and each wait inside it races the
/// client's departure with ``cancellingOnDisconnect(_:)``. A watched connection is not reused
/// afterwards, so such answers carry `Connection: close`.
final class ClientWatch: Sendable {
    private enum State: Sendable {
        case connected(waiters: [Int: CheckedContinuation<Void, Never>], cancelled: Set<Int>)
        case disconnected
    }

    private let state = Mutex(State.connected(waiters: [:], cancelled: []))
    private let nextID = Atomic<Int>(0)
    /// False for a request that is not watched: its client's departure is never noticed.
    let isWatching: Bool

    private init(isWatching: Bool) {
        self.isWatching = isWatching
    }

    /// Runs `body` with a watch on the client of `request` when `watching`, else with a watch that
    /// never fires (keeping the connection reusable).
    static func watching<Value: Sendable>(
        _ request: Request,
        if watching: Bool,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (ClientWatch) async throws -> Value
    ) async throws -> Value {
        guard watching else { return try await body(ClientWatch(isWatching: false)) }
        let watch = ClientWatch(isWatching: true)
        return try await request.body.consumeWithInboundCloseHandler { _ in
            try await body(watch)
        } onInboundClosed: {
            watch.markDisconnected()
        }
    }

    /// Whether the client has gone away.
    var hasDisconnected: Bool {
        state.withLock { if case .disconnected = $0 { true } else { false } }
    }

    /// Runs `operation`, cancelling it when the client goes away first.
    ///
    /// - Returns: What `operation` returns, even when the client left meanwhile, so that a value
    ///   it obtained (such as the slot) is never lost.
    /// - Throws: ``ClientDisconnected`` when the client left and `operation` was cancelled;
    ///   otherwise what `operation` throws.
    func cancellingOnDisconnect<Value: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        guard isWatching else { return try await operation() }
        if hasDisconnected { throw ClientDisconnected() }
        return try await withThrowingTaskGroup(of: RaceOutcome<Value>.self) { group in
            group.addTask {
                do { return .finished(.success(try await operation())) } catch { return .finished(.failure(error)) }
            }
            group.addTask {
                await self.waitForDisconnect()
                return .disconnected
            }
            var clientLeft = false
            while let outcome = try await group.next() {
                switch outcome {
                case .finished(let result):
                    group.cancelAll()
                    if clientLeft, case .failure = result { throw ClientDisconnected() }
                    return try result.get()
                case .disconnected:
                    clientLeft = !Task.isCancelled
                    group.cancelAll()
                }
            }
            throw ClientDisconnected()
        }
    }

    /// Sleeps, throwing ``ClientDisconnected`` as soon as the client goes away.
    func sleep(for duration: Duration) async throws {
        guard duration > .zero else { return }
        try await cancellingOnDisconnect { try await Task.sleep(for: duration) }
    }

    private enum RaceOutcome<Value: Sendable>: Sendable {
        case finished(Result<Value, any Error>)
        case disconnected
    }

    private func markDisconnected() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state = .disconnected }
            if case .connected(let waiters, _) = state { return Array(waiters.values) }
            return []
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when the client goes away or the waiting task is cancelled.
    private func waitForDisconnect() async {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    guard case .connected(var waiters, var cancelled) = state else { return true }
                    // Cancelled before it registered: the handler below found nothing to resume.
                    if cancelled.remove(id) != nil {
                        state = .connected(waiters: waiters, cancelled: cancelled)
                        return true
                    }
                    waiters[id] = continuation
                    state = .connected(waiters: waiters, cancelled: cancelled)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard case .connected(var waiters, var cancelled) = state else { return nil }
                let waiter = waiters.removeValue(forKey: id)
                if waiter == nil { cancelled.insert(id) }
                state = .connected(waiters: waiters, cancelled: cancelled)
                return waiter
            }
            waiter?.resume()
        }
    }
}

/// Thrown by a ``ClientWatch`` wait when the client went away.
struct ClientDisconnected: Error {}
