import AsyncHTTPClient
import GRPCCore
import LLMPoolCore
import LLMPoolObservability
import Logging
import ServiceLifecycle

/// The objects one configuration builds — providers, cache, orchestrator, guards, the gateway
/// and both front doors — assembled the one way `serve`, `demo`, the benchmarks and every test
/// that needs a pool use. Tests and benchmarks change only what ``Options`` lets them inject.
///
/// ```swift
/// let components = try PoolComponents(configuration: config, httpClient: .shared, logger: logger)
/// let app = components.httpServer.application()
/// ```
public struct PoolComponents: Sendable {
    /// What a test or benchmark may put in place of the real parts; the defaults are what the
    /// server runs.
    public struct Options: Sendable {
        /// Builds the providers of a configuration, at start-up and on every reload; `nil` builds
        /// them with ``ProviderFactory`` over the HTTP client. Either way they are instrumented
        /// when telemetry is on.
        public var makeProviders: (@Sendable (PoolConfiguration) throws -> [any Provider])?
        /// Strategies replacing the standard ones by kind, in every configuration generation;
        /// empty (the default) runs ``StandardStrategies`` as configured.
        public var strategyOverrides: [any EnsembleStrategy] = []
        /// The rate limiter for `backend = "memory"`; `nil` makes an ``InMemoryRateLimiter``.
        public var rateLimiter: (any RateLimiter)?
        /// The time of the orchestrator, its breakers and budgets, and the console; tests pass a
        /// manual clock. Default ``SystemPoolClock``.
        public var clock: any PoolClock = SystemPoolClock()

        /// The server's assembly.
        public init() {}
    }

    /// The pipeline's core.
    public let orchestrator: Orchestrator
    /// Provider health for readiness.
    public let monitor: ProviderHealthMonitor
    /// The guards in force in both front doors; a reload swaps them.
    public let guardsHolder: GuardsHolder
    /// The request pipeline both front doors share.
    public let gateway: Gateway
    /// Whether the server is draining for shutdown.
    public let drain: DrainState
    /// The HTTP front door.
    public let httpServer: HTTPServer
    /// The live console's shared state: recent decisions, the last reload (`[console]`).
    public let console: Console
    /// Measurement and tracing of everything the components do.
    public let telemetry: PoolTelemetry
    /// The Redis client shared by the cache, rate limits and nonces, when `[redis]` is configured;
    /// a `Service` to run in the group (it closes its connections on shutdown).
    public let redis: RedisClient?
    /// Builds (instrumented) providers for a configuration; reloads use it too.
    public let buildProviders: @Sendable (PoolConfiguration) throws -> [any Provider]
    /// The Redis rate limiter, when `[redis]` is configured (used if a reload picks that backend).
    let redisLimiter: (any RateLimiter)?
    let configuration: PoolConfiguration
    let logger: Logger

    /// Builds the components.
    /// - Parameters:
    ///   - configuration: The validated configuration.
    ///   - httpClient: The client providers share.
    ///   - logger: Where the pool logs.
    ///   - telemetry: The registry and tracer to report to; default a new registry and a tracer
    ///     that exports nothing.
    ///   - options: Parts a test or benchmark injects; default the server's.
    public init(
        configuration: PoolConfiguration,
        httpClient: HTTPClient,
        logger: Logger,
        telemetry: PoolTelemetry? = nil,
        options: Options = .init()
    ) throws {
        let telemetry = try telemetry ?? PoolTelemetry.make(configuration: configuration, environment: [:])
        self.telemetry = telemetry
        let build = Self.providerBuilder(options.makeProviders, httpClient: httpClient, telemetry: telemetry)
        buildProviders = build
        let redis = configuration.redis.map { RedisClient(configuration: $0, logger: logger) }
        self.redis = redis
        orchestrator = Orchestrator(
            configuration: configuration,
            providers: try build(configuration),
            cache: Self.makeCache(configuration, redis: redis, telemetry: telemetry, logger: logger),
            strategies: options.strategyOverrides,
            logger: logger,
            clock: options.clock,
            telemetry: telemetry
        )
        monitor = ProviderHealthMonitor()
        Self.connectSignals(orchestrator: orchestrator, configuration: configuration, telemetry: telemetry)
        let nonceStore: any NonceStore = redis.map { RedisNonceStore(client: $0) } ?? InMemoryNonceStore()
        let redisLimiter: (any RateLimiter)? = redis.map { RedisRateLimiter(client: $0) }
        self.redisLimiter = redisLimiter
        let guards = try RequestGuards(
            configuration: configuration,
            nonceStore: nonceStore,
            rateLimiter: configuration.rateLimits.backend == .redis ? redisLimiter : options.rateLimiter,
            metrics: telemetry.metrics,
            logger: logger
        )
        guardsHolder = GuardsHolder(guards, nonceStore: nonceStore)
        let drain = DrainState(timeout: configuration.server.drainTimeout)
        self.drain = drain
        let console = Console(configuration: configuration.console, startedAt: orchestrator.clock.now)
        self.console = console
        gateway = Gateway(
            orchestrator: orchestrator,
            guards: guardsHolder,
            logger: logger,
            drain: drain,
            decisions: console.decisions,
            showInputs: configuration.console.showInputs
        )
        var httpServer = HTTPServer(
            configuration: configuration.server,
            gateway: gateway,
            monitor: monitor,
            logger: logger
        )
        httpServer.httpServerMetrics = configuration.telemetry.httpServerMetrics
        httpServer.console = console
        self.httpServer = httpServer
        self.configuration = configuration
        self.logger = logger
    }

    /// The provider builder: the injected one or ``ProviderFactory``, instrumented when
    /// telemetry is on.
    static func providerBuilder(
        _ injected: (@Sendable (PoolConfiguration) throws -> [any Provider])?,
        httpClient: HTTPClient,
        telemetry: PoolTelemetry
    ) -> @Sendable (PoolConfiguration) throws -> [any Provider] {
        { configuration in
            let providers =
                try injected?(configuration)
                ?? ProviderFactory.makeProviders(configuration.providers, httpClient: httpClient)
            guard telemetry.isEnabled else { return providers }
            return providers.map { InstrumentedProvider($0, telemetry: telemetry) }
        }
    }

    /// The gRPC services: `vvtv.llmpool.v1.LlmPool` and `grpc.health.v1.Health`.
    public func grpcServices(healthWatchInterval: Duration = .seconds(1)) -> [any RegistrableRPCService] {
        [
            LlmPoolService(gateway: gateway, monitor: monitor, maxMessageBytes: configuration.server.maxBodyBytes),
            HealthCheckService(orchestrator: orchestrator, monitor: monitor, watchInterval: healthWatchInterval),
        ]
    }

    /// The gRPC front door: the services behind the guards' interceptors (swappable by a reload).
    public func grpcService(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> GRPCServerService {
        var service = GRPCServerService(
            host: configuration.server.host,
            port: configuration.server.grpcPort,
            maxMessageBytes: configuration.server.maxBodyBytes,
            services: grpcServices(),
            logger: logger,
            onListening: onListening
        )
        service.interceptors = grpcInterceptors
        return service
    }

    /// The interceptors of the gRPC door: the guards in force (authentication).
    public var grpcInterceptors: [any ServerInterceptor] { [GuardsInterceptor(holder: guardsHolder)] }

    /// What puts a reloaded configuration into force in this pool: providers built the way
    /// these were, and authentication and rate limits swapped live.
    /// - Parameter overrides: Applied to every loaded file, as the command applied its flags.
    public func reloadApplier(overrides: @escaping @Sendable (inout PoolConfiguration) -> Void = { _ in })
        -> PoolReloadApplier
    {
        var applier = PoolReloadApplier(
            orchestrator: orchestrator,
            buildProviders: buildProviders,
            logger: logger,
            overrides: overrides
        )
        let (holder, redisLimiter, metrics, logger) = (guardsHolder, self.redisLimiter, telemetry.metrics, logger)
        applier.prepareGuards = { configuration in
            let guards = try holder.prepare(
                configuration: configuration,
                redisLimiter: redisLimiter,
                metrics: metrics,
                logger: logger
            )
            return { holder.replace(guards) }
        }
        return applier
    }

    /// The warm-up of the providers with `warmup = true`, when any has it (a `Service`).
    var warmup: (any Service)? {
        let names = Set(configuration.providers.filter(\.warmup).map(\.name))
        guard !names.isEmpty else { return nil }
        let providers = orchestrator.snapshot.providers.filter { names.contains($0.name) }
        return ProviderWarmup(providers: providers, timeout: .seconds(60), logger: logger)
    }

    /// The health prober (`[health]`): passive health from calls, probes of idle providers, for
    /// readiness, WEIGHTED scores and `llm_pool_provider_up`.
    public var healthProber: HealthProber {
        let orchestrator = self.orchestrator
        return HealthProber(
            providers: { orchestrator.snapshot.providers },
            plan: { HealthProber.Plan(orchestrator.snapshot.configuration) },
            monitor: monitor,
            health: orchestrator.resilience.health,
            breakers: orchestrator.resilience.breakers,
            metrics: telemetry.metrics
        )
    }
}
