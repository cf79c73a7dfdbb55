import LLMPoolObservability

/// The time limit a provider call ran into: the cause of its `deadlineExceeded` ``PoolError``.
struct ProviderTimeout: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which limit.
    enum Limit: Sendable, Hashable {
        /// The whole call (a plain call's `timeout_ms`, or the request's deadline).
        case call
        /// No token within the time to first token (a streamed call's `timeout_ms`).
        case firstToken
        /// Nothing from the backend for `idle_timeout_ms` after the first token.
        case idle
    }

    /// Which limit the call ran into.
    var limit: Limit
    /// Its length.
    var after: Duration

    var description: String {
        switch limit {
        case .call: "the call took longer than \(after.milliseconds) ms"
        case .firstToken: "no token within \(after.milliseconds) ms"
        case .idle: "nothing for \(after.milliseconds) ms after the first token"
        }
    }

    /// The limit behind an error, if a provider's time limit is what ended the call.
    static func limit(of error: PoolError) -> Limit? {
        (error.cause as? ProviderTimeout)?.limit
    }
}

/// Runs `operation` with a time limit covering all of it, response body included.
///
/// AsyncHTTPClient's own deadline stops applying once the response head has arrived, so a body
/// that stalls after its first bytes would never end; this scope bounds the whole call. When the
/// time is up the operation is cancelled, which makes AsyncHTTPClient close the connection, and
/// the scope returns only after the operation has finished unwinding.
///
/// - Throws: ``PoolError`` `deadlineExceeded` when the time is up, otherwise what `operation` throws.
func withProviderTimeout<Value: Sendable>(
    _ timeout: Duration,
    provider: String,
    clock: any PoolClock,
    _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    let limits = StreamLimits(firstToken: timeout, idle: timeout, total: timeout)
    let watch = StreamWatch(limits: limits, clock: clock)
    return try await withStreamLimits(watch, provider: provider) { try await operation() }
}

/// Runs a streamed call under its ``StreamWatch``: the call is cancelled (closing its
/// connection) as soon as a limit expires: no first token in time, a gap after it longer than
/// the idle limit, or the whole call past its total. The watch is told of every chunk by the
/// call itself; its timer sleeps on the watch's clock until the next instant a limit may expire,
/// and looks again when that instant comes (chunks in between move it on).
///
/// - Throws: ``PoolError`` `deadlineExceeded` with a ``ProviderTimeout`` cause naming the limit,
///   otherwise what `operation` throws.
func withStreamLimits<Value: Sendable>(
    _ watch: StreamWatch,
    provider: String,
    _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    guard watch.limits.total > .zero else {
        throw ProviderFailure.deadlineExceeded(provider: provider, ProviderTimeout(limit: .call, after: .zero))
    }
    return try await withThrowingTaskGroup(of: StreamOutcome<Value>.self, returning: Value.self) { group in
        group.addTask { .finished(try await operation()) }
        group.addTask { .expired(try await watch.expiry()) }
        defer { group.cancelAll() }
        // The first child to finish decides: a value, the operation's error, or the timer's limit.
        switch try await group.next() {
        case .finished(let value): return value
        case .expired(let timeout): throw ProviderFailure.deadlineExceeded(provider: provider, timeout)
        case nil: throw CancellationError()
        }
    }
}

private enum StreamOutcome<Value: Sendable>: Sendable {
    case finished(Value)
    case expired(ProviderTimeout)
}
