import Logging
import ServiceLifecycle

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
        try await withRunning(
            configuration: .init(models: models, apiKey: apiKey, latencyScale: latencyScale),
            isolation: isolation,
            body
        )
    }

    /// Starts a simulator with a configuration, runs `body` with it, then stops it.
    ///
    /// Stopping is a graceful shutdown: requests that hang or stall are let go at once, answers
    /// being delayed or streamed finish (for at most 5 s, then they are cancelled).
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
        var groupConfiguration = ServiceGroupConfiguration(services: [simulator], logger: simulator.logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(5)
        let group = ServiceGroup(configuration: groupConfiguration)
        return try await withThrowingTaskGroup(of: Void.self, returning: Value.self) { tasks in
            tasks.addTask { try await group.run() }
            var started = false
            let result: Result<Value, any Error>
            do {
                _ = try await simulator.waitUntilStarted()
                started = true
                result = .success(try await body(simulator))
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            do {
                try await tasks.waitForAll()
            } catch {
                // Surface why the server stopped (a port in use, say) rather than "not running".
                if !started { throw error }
            }
            return try result.get()
        }
    }
}
