/// How a provider runs one call: within its time limits, with every error a ``PoolError``.
extension ProviderHTTP {
    /// What the consumer of a stream threw: passed through every mapping unchanged, so that a
    /// client going away is not reported as a provider failure.
    struct DeliveryFailure: Error {
        var error: any Error
    }

    /// Runs a plain call bounded by `timeout` as a whole, response body included.
    ///
    /// - Throws: ``PoolError``: `deadlineExceeded` when the time is up, `cancelled` when the
    ///   calling task is cancelled, or what the call threw, mapped.
    /// With `enforcedByCaller` (the caller cancels the call when `timeout` runs out), no timer of
    /// its own is started: one timer and two tasks less per call on the hot path.
    func call<Value: Sendable>(
        timeout: Duration,
        url: String,
        enforcedByCaller: Bool = false,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        do {
            if enforcedByCaller { return try await operation() }
            return try await withProviderTimeout(timeout, provider: provider, clock: clock, operation)
        } catch {
            throw mapped(error, url: url, limit: ProviderTimeout(limit: .call, after: timeout))
        }
    }

    /// Runs a streamed call under `limits`: time to first token, longest silence after it, and
    /// the whole call (see ``StreamWatchState``). `operation` reads the body with
    /// ``forEachLine(of:url:watch:_:)`` and hands each piece on with ``deliver(_:to:watch:)``, so
    /// the watch sees the progress, and the body is read no faster than the consumer takes the
    /// pieces.
    ///
    /// - Throws: ``PoolError``: `deadlineExceeded` (its cause a ``ProviderTimeout`` naming the
    ///   limit) when a limit runs out, `cancelled` when the calling task is cancelled, or what the
    ///   call threw, mapped; what the consumer threw, as is.
    func streamingCall<Value: Sendable>(
        limits: StreamLimits,
        url: String,
        _ operation: @escaping @Sendable (StreamWatch) async throws -> Value
    ) async throws -> Value {
        let watch = StreamWatch(limits: limits, clock: clock)
        do {
            return try await withStreamLimits(watch, provider: provider) { try await operation(watch) }
        } catch {
            // AsyncHTTPClient's deadline covers the wait for the head: the time to first token.
            let head =
                limits.firstToken < limits.total
                ? ProviderTimeout(limit: .firstToken, after: limits.firstToken)
                : ProviderTimeout(limit: .call, after: limits.total)
            throw mapped(error, url: url, limit: head)
        }
    }

    /// The time allowed for the response head of a streamed call.
    static func headTimeout(_ limits: StreamLimits) -> Duration {
        min(limits.firstToken, limits.total)
    }

    /// What the consumer threw as is; a time limit as a ``PoolError`` naming it; anything else
    /// through ``ProviderFailure/map(_:provider:url:)``.
    private func mapped(_ error: any Error, url: String, limit: ProviderTimeout) -> any Error {
        if let failure = error as? DeliveryFailure { return failure.error }
        let failure = ProviderFailure.map(error, provider: provider, url: url)
        // AsyncHTTPClient's deadline and ours are the same limit; report either the same way.
        guard failure.code == .deadlineExceeded, !(failure.cause is ProviderTimeout) else { return failure }
        return ProviderFailure.deadlineExceeded(provider: provider, limit)
    }

    /// Hands a piece of a streamed answer to the consumer and waits until it has taken it; the
    /// watch's idle clock stands still meanwhile.
    /// - Throws: What `onDelta` threw, as a ``DeliveryFailure``.
    func deliver<Piece: Sendable>(
        _ piece: Piece,
        to onDelta: @Sendable (Piece) async throws -> Void,
        watch: StreamWatch
    ) async throws {
        watch.deliveryBegan()
        defer { watch.deliveryEnded() }
        do {
            try await onDelta(piece)
        } catch {
            throw DeliveryFailure(error: error)
        }
    }
}
