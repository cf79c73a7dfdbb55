extension PoolError {
    /// Any error met while serving a request, as a ``PoolError``: pool errors as they are, a
    /// cancellation as `cancelled`, and anything else as `internal` with the error kept as its
    /// cause (so logs can name it while clients see a generic message).
    public static func classifying(_ error: any Error) -> PoolError {
        if let error = error as? PoolError { return error }
        if error is CancellationError { return PoolError(code: .cancelled, message: "request cancelled") }
        return PoolError(code: .internal, message: "internal error", cause: error)
    }
}
