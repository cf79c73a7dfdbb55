import GRPCCore
import LLMPoolCore

/// Turns gRPC's cancellation of an RPC into cancellation of the work serving it.
///
/// grpc-swift signals that an RPC is over — its deadline (`grpc-timeout`) passed, the client
/// reset the stream, or the server is shutting down — through the `ServerContext`'s cancellation
/// handle, not by cancelling the handler's task. Without this, a provider call would run on
/// after its client left, until the pool's own deadline.
///
/// The server's shutdown is the exception: grpc-swift cancels every running RPC as soon as the
/// transport quiesces (`ChannelShouldQuiesceEvent`), although their streams stay open. While the
/// pool drains, the drain decides when they end, as it does over HTTP: the ``Gateway`` lets them
/// run until `server.drain_timeout_ms` is nearly up and answers what still runs then 503.
enum GRPCCancellation {
    /// Runs `body` as a child task that is cancelled (and awaited) as soon as the RPC is, unless
    /// the RPC was cancelled because `drain` has begun.
    /// - Throws: What `body` threw; `deadlineExceeded` or `cancelled` when the RPC ended first.
    static func bind<T: Sendable>(
        _ context: ServerContext,
        metadata: Metadata,
        drain: DrainState? = nil,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await context.cancellation.cancelled
                if let drain, drain.isDraining {
                    // Cancelled by the shutdown: wait to be cancelled once `body` has ended.
                    while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
                }
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw ended(metadata)
            }
            return value
        }
    }

    /// Why an RPC ended before its answer: its client's deadline when it sent one.
    private static func ended(_ metadata: Metadata) -> PoolError {
        if metadata[stringValues: "grpc-timeout"].contains(where: { _ in true }) {
            return PoolError(code: .deadlineExceeded, message: "the client's deadline (grpc-timeout) passed")
        }
        return PoolError(code: .cancelled, message: "the RPC was cancelled")
    }
}
