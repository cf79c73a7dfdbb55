import LLMPoolCore
import LLMPoolTesting

/// Helpers shared by the Redis suites.
enum RedisTestSupport {
    /// Runs `body` with a client on `server` (500 ms timeouts unless given), shutting the client down after.
    static func withClient<T: Sendable>(
        _ server: RedisServerProcess,
        url: String? = nil,
        poolSize: Int? = nil,
        commandTimeout: Duration? = nil,
        _ body: (RedisClient) async throws -> T
    ) async throws -> T {
        var configuration = try RedisConfiguration(url: url ?? server.url)
        configuration.connectTimeout = .milliseconds(500)
        configuration.commandTimeout = .milliseconds(500)
        if let poolSize { configuration.poolSize = poolSize }
        if let commandTimeout { configuration.commandTimeout = commandTimeout }
        let client = RedisClient(configuration: configuration)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// How long `body` took.
    static func elapsed(_ body: () async throws -> Void) async rethrows -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        try await body()
        return clock.now - start
    }

    /// Retries `body` every 20 ms until it succeeds, at most `attempts` times.
    static func eventually<T>(attempts: Int = 50, _ body: () async throws -> T) async throws -> T {
        var lastError: (any Error)?
        for _ in 0..<attempts {
            do { return try await body() } catch { lastError = error }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw lastError!
    }
}
