/// How a provider runs one call: within its time limit, with every error a ``PoolError``.
extension ProviderHTTP {
    /// Runs a call bounded by `timeout` as a whole.
    ///
    /// - Throws: ``PoolError``: `deadlineExceeded` when the time is up, `cancelled` when the
    ///   calling task is cancelled, or what the call threw, mapped.
    func call<Value: Sendable>(
        timeout: Duration,
        url: String,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        do {
            return try await withProviderTimeout(timeout, provider: provider, operation)
        } catch {
            let failure = ProviderFailure.map(error, provider: provider, url: url)
            // AsyncHTTPClient's deadline and ours are the same; report either the same way.
            guard failure.code == .deadlineExceeded else { throw failure }
            throw ProviderFailure.deadlineExceeded(provider: provider, timeout: timeout, cause: failure.cause)
        }
    }

    /// Runs a streaming call in a task of its own, bounded by `timeout` as a whole, and returns
    /// the events `produce` yields. When the consumer stops listening, the task is cancelled,
    /// which closes the upstream connection.
    func stream(
        timeout: Duration,
        url: String,
        _ produce:
            @escaping @Sendable (AsyncThrowingStream<ProviderStreamEvent, any Error>.Continuation) async throws -> Void
    ) -> AsyncThrowingStream<ProviderStreamEvent, any Error> {
        let (events, continuation) = AsyncThrowingStream.makeStream(of: ProviderStreamEvent.self)
        // An unstructured task is what an AsyncThrowingStream producer needs; it lives no longer
        // than the stream, as `onTermination` cancels it.
        let task = Task {
            do {
                try await call(timeout: timeout, url: url) { try await produce(continuation) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return events
    }
}
