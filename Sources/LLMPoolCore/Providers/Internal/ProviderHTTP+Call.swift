/// How a provider runs one call: within its time limit, with every error a ``PoolError``.
extension ProviderHTTP {
    /// What the consumer of a stream threw: passed through every mapping unchanged, so that a
    /// client going away is not reported as a provider failure.
    struct DeliveryFailure: Error {
        var error: any Error
    }

    /// Runs a call bounded by `timeout` as a whole, response body included.
    ///
    /// A streaming call reads its body inside `operation`, handing each piece to
    /// ``deliver(_:to:)``: the body is read no faster than the consumer takes the pieces.
    ///
    /// - Throws: ``PoolError``: `deadlineExceeded` when the time is up, `cancelled` when the
    ///   calling task is cancelled, or what the call threw, mapped; what the consumer threw, as is.
    func call<Value: Sendable>(
        timeout: Duration,
        url: String,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        do {
            return try await withProviderTimeout(timeout, provider: provider, operation)
        } catch let failure as DeliveryFailure {
            throw failure.error
        } catch {
            let failure = ProviderFailure.map(error, provider: provider, url: url)
            // AsyncHTTPClient's deadline and ours are the same; report either the same way.
            guard failure.code == .deadlineExceeded else { throw failure }
            throw ProviderFailure.deadlineExceeded(provider: provider, timeout: timeout, cause: failure.cause)
        }
    }

    /// Hands a piece of a streamed answer to the consumer and waits until it has taken it.
    /// - Throws: What `onDelta` threw, as a ``DeliveryFailure``.
    func deliver(_ piece: String, to onDelta: @Sendable (String) async throws -> Void) async throws {
        do {
            try await onDelta(piece)
        } catch {
            throw DeliveryFailure(error: error)
        }
    }
}
