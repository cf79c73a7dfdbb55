import AsyncHTTPClient
import LLMPoolCore
import LLMPoolServer
import Logging

/// Pools for the server tests, assembled the way `serve` assembles them (``PoolComponents``),
/// with fake providers in place of the configured ones.
enum TestPool {
    /// The components of `configuration`, its providers taken from `providers` by name (on every
    /// reload too).
    static func components(
        _ configuration: PoolConfiguration,
        providers: [any Provider],
        telemetry: PoolTelemetry = .makeStandalone(),
        rateLimiter: (any RateLimiter)? = nil,
        strategies: [any EnsembleStrategy] = [],
        clock: (any PoolClock)? = nil,
        logger: Logger = Logger(label: "test")
    ) throws -> PoolComponents {
        var options = PoolComponents.Options()
        options.makeProviders = { configuration in
            configuration.providers.compactMap { entry in providers.first { $0.name == entry.name } }
        }
        options.rateLimiter = rateLimiter
        options.strategyOverrides = strategies
        if let clock { options.clock = clock }
        return try PoolComponents(
            configuration: configuration,
            httpClient: HTTPClient.shared,
            logger: logger,
            telemetry: telemetry,
            options: options
        )
    }
}
