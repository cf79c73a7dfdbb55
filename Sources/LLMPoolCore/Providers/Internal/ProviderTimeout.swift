/// Runs `operation` with a time limit covering all of it, response body included.
///
/// AsyncHTTPClient's own deadline stops applying once the response head has arrived, so a stream
/// that stalls after its first bytes would never end; this scope bounds the whole call. When the
/// time is up the operation is cancelled, which makes AsyncHTTPClient close the connection, and
/// the scope returns only after the operation has finished unwinding.
///
/// - Throws: ``PoolError`` `deadlineExceeded` when the time is up, otherwise what `operation` throws.
func withProviderTimeout<Value: Sendable>(
    _ timeout: Duration,
    provider: String,
    _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    guard timeout > .zero else { throw ProviderFailure.deadlineExceeded(provider: provider, timeout: timeout) }
    return try await withThrowingTaskGroup(of: Value?.self, returning: Value.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        // The first child to finish decides: a value, the operation's error, or the timer's nil.
        guard case .some(.some(let value)) = try await group.next() else {
            throw ProviderFailure.deadlineExceeded(provider: provider, timeout: timeout)
        }
        return value
    }
}
