import Synchronization

/// A one-shot signal many tasks can wait for: once ``fire()`` is called, every waiter (and every
/// later one) resumes. Waiting is cancellation-aware: a cancelled waiter resumes at once.
///
/// Hand-written because the standard library and the packages in use have no async one-shot
/// event that one task can wait for together with others and with cancellation (`AsyncStream`
/// serves one consumer; `EventLoopFuture.get()` ignores cancellation).
public final class Latch: Sendable {
    private struct State {
        var fired = false
        var waiters: [Int: @Sendable () -> Void] = [:]
        /// Tasks to cancel on firing: cancelled under the lock, so that once a task's entry is
        /// removed (under the same lock) it is never touched again.
        var cancellees: [Int: TaskReference] = [:]
        var nextID = 0
    }

    /// The running task that registered itself in ``cancellingCurrentTask(on:_:)``; valid while
    /// its entry is registered, which ends before that call returns.
    private struct TaskReference: @unchecked Sendable {
        let task: UnsafeCurrentTask
    }

    private let state = Mutex(State())

    /// Creates a latch that has not fired.
    public init() {}

    /// Whether ``fire()`` was called.
    public var isFired: Bool { state.withLock { $0.fired } }

    /// Fires the latch, resuming every waiter. Later calls do nothing.
    public func fire() {
        let waiters = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.fired else { return [] }
            state.fired = true
            for reference in state.cancellees.values { reference.task.cancel() }
            state.cancellees = [:]
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter() }
    }

    /// Runs `body` in the calling task, which is cancelled as soon as any of `latches` fires (at
    /// once when one already has). Cheaper than racing `body` against ``any(_:)`` in a task group:
    /// no waiting task, no continuation. Call it in a task of its own (a child) whose
    /// cancellation is what is wanted.
    public static func cancellingCurrentTask<T>(
        on latches: [Latch],
        _ body: () async throws -> T
    ) async rethrows -> T {
        guard !latches.isEmpty, let reference = withUnsafeCurrentTask(body: { $0.map(TaskReference.init) }) else {
            return try await body()
        }
        var registered: [(Latch, Int)] = []
        for latch in latches {
            let id = latch.state.withLock { state -> Int? in
                guard !state.fired else { return nil }
                defer { state.nextID += 1 }
                state.cancellees[state.nextID] = reference
                return state.nextID
            }
            if let id { registered.append((latch, id)) } else { reference.task.cancel() }
        }
        defer {
            for (latch, id) in registered { _ = latch.state.withLock { $0.cancellees.removeValue(forKey: id) } }
        }
        return try await body()
    }

    /// Returns once the latch fired, or at once when the calling task is cancelled.
    public func wait() async { await Self.any([self]) }

    /// Returns once any of `latches` fired, or at once when the calling task is cancelled.
    public static func any(_ latches: [Latch]) async {
        let waiter = Waiter()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                waiter.set(continuation)
                for latch in latches {
                    guard let id = latch.add({ waiter.resume() }) else {
                        waiter.resume()
                        break
                    }
                    waiter.registered(latch, id)
                }
            }
        } onCancel: {
            waiter.resume()
        }
        for (latch, id) in waiter.registrations { latch.remove(id) }
    }

    /// Adds a waiter; `nil` when the latch already fired.
    private func add(_ wake: @escaping @Sendable () -> Void) -> Int? {
        state.withLock { state in
            guard !state.fired else { return nil }
            defer { state.nextID += 1 }
            state.waiters[state.nextID] = wake
            return state.nextID
        }
    }

    private func remove(_ id: Int) {
        _ = state.withLock { $0.waiters.removeValue(forKey: id) }
    }

    /// One wait: its continuation, resumed once, whoever comes first (a latch, cancellation).
    private final class Waiter: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Void, Never>?
            var resumed = false
            var registrations: [(Latch, Int)] = []
        }
        private let state = Mutex(State())

        func set(_ continuation: CheckedContinuation<Void, Never>) {
            let now = state.withLock { state -> Bool in
                if state.resumed { return true }
                state.continuation = continuation
                return false
            }
            if now { continuation.resume() }
        }

        func registered(_ latch: Latch, _ id: Int) { state.withLock { $0.registrations.append((latch, id)) } }

        var registrations: [(Latch, Int)] { state.withLock { $0.registrations } }

        func resume() {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard !state.resumed else { return nil }
                state.resumed = true
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume()
        }
    }
}
