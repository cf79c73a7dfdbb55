import LLMPoolCore
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Whether the server is shutting down. Requests still running when `server.drain_timeout_ms`
/// runs out are cancelled, and the ``Gateway`` answers them 503 `unavailable` ("shutting down")
/// instead of as a client cancellation.
public final class DrainState: Sendable {
    private let draining = Atomic<Bool>(false)
    /// Fires ``answerBy`` after graceful shutdown began: what still runs is then cancelled.
    public let expired = Latch()
    private let timeout: Mutex<Duration>

    /// Creates a state that is not draining.
    /// - Parameter timeout: How long in-flight requests may run once the drain begins
    ///   (`server.drain_timeout_ms`).
    public init(timeout: Duration = .seconds(10)) {
        self.timeout = Mutex(timeout)
    }

    /// Whether graceful shutdown has begun.
    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    /// Marks the start of graceful shutdown.
    public func begin() {
        // Only the first call starts the expiry timer.
        guard draining.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        // A scheduled callback, not a task: the drain's services return at once, and nothing
        // waits on this timer but the latch.
        let expired = self.expired
        MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(answerBy)) { expired.fire() }
    }

    /// Sets the time in-flight requests get once the drain begins (a reload may change it).
    public func setTimeout(_ value: Duration) { timeout.withLock { $0 = value } }

    /// How long after the drain began requests still running are cancelled and answered 503:
    /// the drain's time less a margin (a fifth of it, at most 1 s) in which those answers are
    /// written and the servers close, so the process exits within `server.drain_timeout_ms`.
    public var answerBy: Duration {
        let total = timeout.withLock { $0 }
        return total - min(.seconds(1), total / 5)
    }

    /// `error` as the caller should see it: a cancellation during the drain is `unavailable`.
    func resolve(_ error: any Error) -> any Error {
        guard isDraining else { return error }
        let classified = PoolError.classifying(error)
        guard classified.code == .cancelled else { return error }
        return PoolError(
            code: .unavailable,
            message: "the server is shutting down; retry the request",
            cause: error
        )
    }
}

/// Marks the ``DrainState`` when graceful shutdown begins; placed last in the service group, so
/// it hears of the shutdown first.
struct DrainWatcher: Service {
    let state: DrainState

    func run() async throws {
        try? await gracefulShutdown()
        state.begin()
    }
}
