import Synchronization

/// A gate that scripted provider calls wait at until the test opens it, so a test decides
/// exactly when a provider answers (see ``ScriptedProvider/Behaviour/gated(_:_:)``).
///
/// ```swift
/// let gate = ProviderGate()
/// let provider = ScriptedProvider(name: "a", behaviour: .gated("answer", gate))
/// async let answer = orchestrator.infer(request)
/// await gate.waitForWaiters(1)   // the call has reached the provider
/// gate.open()                    // and now it answers
/// ```
public final class ProviderGate: Sendable {
    private struct State {
        var opened = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
        var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    /// Creates a closed gate.
    public init() {}

    /// Calls waiting at the gate.
    public var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Opens the gate: every waiting call and every later one passes.
    public func open() {
        let waiters = state.withLock { state in
            state.opened = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once at least `count` calls are waiting at the gate.
    public func waitForWaiters(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                guard state.waiters.count < count else { return true }
                state.watchers.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Waits until the gate is open.
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    public func wait() async throws {
        let id = makeID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                enqueue(id, continuation)
                // Cancelled before it was enqueued: the handler found nothing to resume.
                if Task.isCancelled { cancel(id) }
            }
        } onCancel: {
            cancel(id)
        }
    }

    private func cancel(_ id: Int) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.resume(throwing: CancellationError())
    }

    /// Waits until the gate is open, cancelled or not: a call that is slow to unwind.
    public func waitIgnoringCancellation() async {
        let id = makeID()
        try? await withCheckedThrowingContinuation { enqueue(id, $0) }
    }

    private func makeID() -> Int {
        state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
    }

    private func enqueue(_ id: Int, _ continuation: CheckedContinuation<Void, any Error>) {
        let (passes, ready): (Bool, [CheckedContinuation<Void, Never>]) = state.withLock { state in
            guard !state.opened else { return (true, []) }
            state.waiters[id] = continuation
            let count = state.waiters.count
            let ready = state.watchers.filter { $0.count <= count }.map(\.continuation)
            state.watchers.removeAll { $0.count <= count }
            return (false, ready)
        }
        if passes { continuation.resume() }
        for watcher in ready { watcher.resume() }
    }
}
