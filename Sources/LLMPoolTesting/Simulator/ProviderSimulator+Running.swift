import Logging

extension ProviderSimulator {
    /// Starts a simulator on a free loopback port, runs `body` with it, then stops it.
    ///
    /// - Parameters:
    ///   - models: The models to serve.
    ///   - apiKey: The bearer key the OpenAI endpoints require, if any.
    ///   - latencyScale: Factor on every simulated delay; 0 for none.
    ///   - body: The code using the simulator.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws, or the error that kept the server from starting.
    public static func withRunning<Value: Sendable>(
        models: [SimulatedModel],
        apiKey: String? = nil,
        latencyScale: Double = 1,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (ProviderSimulator) async throws -> Value
    ) async throws -> Value {
        try await withRunning(configuration: .init(models: models, apiKey: apiKey, latencyScale: latencyScale), isolation: isolation, body)
    }

    /// Starts a simulator with a configuration, runs `body` with it, then stops it.
    ///
    /// Stopping cancels the server, so requests still hanging or streaming end at once.
    ///
    /// - Parameters:
    ///   - configuration: The simulator's configuration (port 0 picks a free port).
    ///   - logger: The server's logger, if not the default.
    ///   - body: The code using the simulator.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws, or the error that kept the server from starting.
    public static func withRunning<Value: Sendable>(
        configuration: SimulatorConfiguration,
        logger: Logger? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (ProviderSimulator) async throws -> Value
    ) async throws -> Value {
        let simulator = ProviderSimulator(configuration: configuration, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: Value.self) { group in
            group.addTask { try await simulator.run() }
            defer { group.cancelAll() }
            do {
                _ = try await simulator.waitUntilStarted()
            } catch {
                // Surface why the server stopped (a port in use, say) rather than "not running".
                try await group.next()
                throw error
            }
            return try await body(simulator)
        }
    }
}
