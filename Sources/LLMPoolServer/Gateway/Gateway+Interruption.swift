import LLMPoolCore

extension Gateway {
    /// Runs `body` (the orchestrator's work for `call`) as a child task that is cancelled, and
    /// awaited, as soon as the call's client leaves (its connection's latch fires) or the drain's
    /// time runs out, so that nothing runs on for nobody: not an upstream that hangs or stalls,
    /// not a request the server can no longer wait for. The caller then sees `cancelled` (the
    /// client left) or, through ``DrainState/resolve(_:)``, 503 `unavailable`.
    /// - Throws: What `body` threw, or ``PoolError`` `cancelled` when the client left.
    func watched<T: Sendable>(_ call: InferenceCall, _ body: @escaping @Sendable () async throws -> T) async throws -> T
    {
        let connection = call.connection
        let drain = self.drain
        guard connection != nil || drain != nil else { return try await body() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                await Self.interruption(connection: connection, drain: drain)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                if connection?.isFired == true {
                    throw PoolError(code: .cancelled, message: "the client closed the connection")
                }
                throw PoolError(code: .cancelled, message: "cancelled by the server's shutdown")
            }
            return value
        }
    }

    /// Returns when the client left, when the drain's time is up, or when cancelled.
    private static func interruption(connection: Latch?, drain: DrainState?) async {
        await Latch.any([connection, drain?.begun].compactMap { $0 })
        guard let drain, drain.isDraining, connection?.isFired != true, !Task.isCancelled else { return }
        // Draining: the client may still leave; else the request runs until the drain's time is up.
        await withTaskGroup(of: Void.self) { either in
            if let connection { either.addTask { await connection.wait() } }
            either.addTask { await drain.waitUntilExpired() }
            await either.next()
            either.cancelAll()
        }
    }
}
