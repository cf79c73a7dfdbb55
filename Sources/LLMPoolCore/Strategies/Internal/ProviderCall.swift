/// Calls a provider and classifies how the call ended, for ``EnsembleDecision`` candidates.
enum ProviderCall {
    struct Finished: Sendable {
        var index: Int
        var result: Result<ProviderResponse, PoolError>
        var latency: Duration
    }

    static func complete(_ provider: any Provider, index: Int, request: ProviderRequest, clock: ContinuousClock) async -> Finished {
        let start = clock.now
        do {
            let response = try await provider.complete(request)
            return .init(index: index, result: .success(response), latency: start.duration(to: clock.now))
        } catch {
            return .init(index: index, result: .failure(PoolError.wrap(error, provider: provider.name)), latency: start.duration(to: clock.now))
        }
    }

    static func outcome(of error: PoolError) -> EnsembleDecision.Outcome {
        switch error.code {
        case .deadlineExceeded: return .timedOut
        case .cancelled: return .cancelled
        default: return .failed
        }
    }
}

extension PoolError {
    /// Turns any error into a ``PoolError``, keeping ``PoolError`` as is.
    static func wrap(_ error: any Error, provider: String) -> PoolError {
        if let error = error as? PoolError { return error }
        if error is CancellationError { return PoolError(code: .cancelled, message: "call to \(provider) was cancelled") }
        return PoolError(code: .upstreamFailed, message: "provider \(provider) failed: \(error)", cause: error)
    }

    /// The error to report when every provider failed: the most telling of the failures.
    static func allFailed(_ errors: [PoolError], task: String) -> PoolError {
        if errors.isEmpty {
            return PoolError(code: .unavailable, message: "no provider available for task '\(task)'")
        }
        if errors.allSatisfy({ $0.code == .deadlineExceeded }) {
            return PoolError(code: .deadlineExceeded, message: "every provider for task '\(task)' ran out of time: \(errors.map(\.message).joined(separator: "; "))")
        }
        return PoolError(code: .unavailable, message: "every provider for task '\(task)' failed: \(errors.map(\.message).joined(separator: "; "))")
    }
}
