/// Runs `operation`, cancelling it and throwing ``SpanExportError/Code/timeout`` if it takes longer than `timeout`.
func withExportTimeout(
    _ timeout: Duration,
    clock: any Clock<Duration>,
    _ operation: @escaping @Sendable () async throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: Bool.self) { group in
        group.addTask {
            try await operation()
            return true
        }
        group.addTask {
            try await clock.sleep(for: timeout)
            return false
        }
        defer { group.cancelAll() }
        guard try await group.next() == true else {
            throw SpanExportError(code: .timeout, message: "export did not finish within \(timeout)")
        }
    }
}
