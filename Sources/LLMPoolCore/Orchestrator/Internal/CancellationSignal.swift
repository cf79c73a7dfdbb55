import Synchronization

/// A one-shot signal that cancels one child of a task group while its siblings run on: a task
/// group can only cancel all of its children, so ``run(_:)`` puts the work in a group of its own
/// beside a waiter for the signal, and cancels the work when the signal fires.
final class CancellationSignal: Sendable {
    private enum State {
        case armed(CheckedContinuation<Void, Never>?)
        case fired
    }

    private let state = Mutex(State.armed(nil))

    /// Fires the signal; later calls do nothing.
    func fire() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard case .armed(let waiter) = state else { return nil }
            state = .fired
            return waiter
        }
        waiter?.resume()
    }

    /// Whether the signal has fired.
    var hasFired: Bool {
        state.withLock { if case .fired = $0 { true } else { false } }
    }

    /// Runs `body` in a child task, cancelling it when the signal fires, and returns its result
    /// once it has finished unwinding. `body` must return a result when cancelled.
    func run<Result: Sendable>(_ body: @escaping @Sendable () async -> Result) async -> Result {
        await withTaskGroup(of: Result?.self) { group in
            group.addTask { await body() }
            group.addTask {
                await self.wait()
                return nil
            }
            var result: Result?
            // Whichever ends first, the other is cancelled: the work (the signal fired) or the
            // waiter (the work is done). The work always ends with a result.
            for await next in group {
                group.cancelAll()
                if let next { result = next }
            }
            return result!
        }
    }

    /// Returns once the signal fired or the calling task was cancelled.
    private func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let fired: Bool = state.withLock { state in
                    guard case .armed = state else { return true }
                    state = .armed(continuation)
                    return false
                }
                if fired { continuation.resume() }
            }
        } onCancel: {
            fire()
        }
    }
}
