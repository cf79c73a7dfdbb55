import LLMPoolCore

extension Gateway {
    /// Runs `body` (the orchestrator's work for `call`) as a child task that is cancelled, and
    /// awaited, as soon as the call's client leaves (its connection's latch fires) or the drain's
    /// time runs out (``DrainState/expired``), so that nothing runs on for nobody: not an
    /// upstream that hangs or stalls, not a request the server can no longer wait for. The
    /// caller then sees `cancelled` (the client left) or, through ``DrainState/resolve(_:)``,
    /// 503 `unavailable`. One child task, no waiter: the latches cancel the child directly.
    /// - Throws: What `body` threw, or ``PoolError`` `cancelled` when the client left.
    func watched<T: Sendable>(_ call: InferenceCall, _ body: @escaping @Sendable () async throws -> T) async throws -> T
    {
        let latches = [call.connection, drain?.expired].compactMap { $0 }
        guard !latches.isEmpty else { return try await body() }
        let connection = call.connection
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask {
                do {
                    return try await Latch.cancellingCurrentTask(on: latches) { try await body() }
                } catch {
                    guard connection?.isFired == true else { throw error }
                    throw PoolError(code: .cancelled, message: "the client closed the connection", cause: error)
                }
            }
            guard let value = try await group.next() else { throw CancellationError() }
            return value
        }
    }
}
