import LLMPoolCore
import ServiceLifecycle
import Synchronization

/// Whether the server is shutting down. Requests still running when `server.drain_timeout_ms`
/// runs out are cancelled, and the ``Gateway`` answers them 503 `unavailable` ("shutting down")
/// instead of as a client cancellation.
public final class DrainState: Sendable {
    private let draining = Atomic<Bool>(false)

    /// Creates a state that is not draining.
    public init() {}

    /// Whether graceful shutdown has begun.
    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    /// Marks the start of graceful shutdown.
    public func begin() { draining.store(true, ordering: .releasing) }

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
