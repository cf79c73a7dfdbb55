import GRPCCore
import Hummingbird
import LLMPoolCore
import Logging

/// What both front doors enforce: authentication (`[security]`), at the transport level (HMAC
/// needs the raw bytes) as HTTP middleware and gRPC interceptors with the same rules, and
/// per-tenant rate limits (`[rate_limits]`), the ``Gateway``'s admit stage. Built once from the
/// configuration and read from a ``GuardsHolder``, which a reload swaps.
///
/// ```swift
/// let guards = try RequestGuards(configuration: config, metrics: telemetry.metrics, logger: logger)
/// let holder = GuardsHolder(guards, nonceStore: InMemoryNonceStore())
/// let gateway = Gateway(orchestrator: orchestrator, guards: holder, logger: logger)
/// ```
public struct RequestGuards: Sendable {
    /// `x-llm-pool-tenant`: the header (or gRPC metadata key) naming the tenant of an
    /// unauthenticated request.
    public static let tenantHeader = "x-llm-pool-tenant"

    /// Checks credentials; `nil` when `security.enabled` is false.
    public var authenticator: Authenticator?
    /// Counts requests and tokens; `nil` when `rate_limits.enabled` is false.
    public var rateLimiter: (any RateLimiter)?
    /// The limits per tenant.
    public var rateLimits: RateLimitConfiguration
    /// Estimates a request's tokens before it runs.
    public var estimator: TokenEstimator
    /// Where failures and rejections are counted, if anywhere.
    public var metrics: PoolMetrics?
    /// For limiter outages.
    public var logger: Logger

    /// Builds the guards `configuration` asks for.
    /// - Parameters:
    ///   - configuration: The whole configuration (`[security]`, `[rate_limits]`, and the tasks'
    ///     `max_tokens` for estimates).
    ///   - nonceStore: Where HMAC nonces are kept; default in memory (pass a `RedisNonceStore`
    ///     when replicas share Redis).
    ///   - rateLimiter: The limiter; default in memory (pass a `RedisRateLimiter` for
    ///     `backend = "redis"`).
    ///   - metrics: Where failures and rejections are counted, if anywhere.
    ///   - logger: For limiter outages.
    /// - Throws: ``PoolError`` `invalidConfiguration` when the JWT public key is unusable.
    public init(
        configuration: PoolConfiguration,
        nonceStore: (any NonceStore)? = nil,
        rateLimiter: (any RateLimiter)? = nil,
        metrics: PoolMetrics? = nil,
        logger: Logger
    ) throws {
        let security = configuration.security
        self.authenticator =
            security.enabled
            ? try Authenticator(configuration: security, nonceStore: nonceStore ?? InMemoryNonceStore())
            : nil
        if configuration.rateLimits.enabled {
            if rateLimiter == nil, configuration.rateLimits.backend == .redis {
                logger.warning("rate_limits.backend is 'redis' but no Redis limiter was given; counting in memory")
            }
            self.rateLimiter = rateLimiter ?? InMemoryRateLimiter()
        } else {
            self.rateLimiter = nil
        }
        self.rateLimits = configuration.rateLimits
        self.estimator = TokenEstimator(configuration: configuration)
        self.metrics = metrics
        self.logger = logger
    }

    /// Whether anything is enforced.
    public var isEmpty: Bool { authenticator == nil && rateLimiter == nil }

    /// The gRPC interceptors: authentication (rate limits are the ``Gateway``'s admit stage).
    public func interceptors() -> [any ServerInterceptor] {
        guard let authenticator else { return [] }
        return [AuthInterceptor(authenticator: authenticator, metrics: metrics)]
    }
}
