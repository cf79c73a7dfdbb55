import AsyncHTTPClient
import Foundation
import Hummingbird
import LLMPoolCore
import LLMPoolObservability
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// Assembles the running service from a configuration: the HTTP client, providers, cache,
/// orchestrator and front doors, all run in one `ServiceGroup`. SIGTERM and SIGINT shut it down
/// gracefully: the servers stop accepting, in-flight requests finish, then the rest stops.
///
/// ```swift
/// let configuration = try ConfigurationLoader.load(path: "llm-pool.toml")
/// try await PoolRuntime(configuration: configuration).run()
/// ```
public struct PoolRuntime: Sendable {
    /// The configuration to serve.
    public var configuration: PoolConfiguration
    /// The file it came from, if any.
    public var configPath: String?
    /// Services to run alongside the pool (the demo's simulator).
    public var extraServices: [any Service]
    /// Called with the bound HTTP port once listening.
    public var onHTTPRunning: @Sendable (Int) async -> Void
    /// Called with the bound gRPC port once listening.
    public var onGRPCRunning: @Sendable (Int) async -> Void
    /// The telemetry to report to; `nil` builds it from the configuration and the process
    /// environment (`OTEL_*`). The executable passes the one it bootstrapped swift-metrics and
    /// swift-distributed-tracing with.
    public var telemetry: PoolTelemetry?
    /// Applied to every reloaded `configPath` before use, as the command applied its flags to the first.
    public var reloadOverrides: @Sendable (inout PoolConfiguration) -> Void = { _ in }

    /// Creates a runtime.
    public init(
        configuration: PoolConfiguration,
        configPath: String? = nil,
        extraServices: [any Service] = [],
        onHTTPRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onGRPCRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        telemetry: PoolTelemetry? = nil
    ) {
        self.telemetry = telemetry
        self.onGRPCRunning = onGRPCRunning
        self.configuration = configuration
        self.configPath = configPath
        self.extraServices = extraServices
        self.onHTTPRunning = onHTTPRunning
    }

    /// Runs until SIGTERM/SIGINT.
    public func run() async throws {
        let logger = Logger(label: "llm-pool")
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.clientConfiguration())
        do {
            let telemetry =
                try self.telemetry
                ?? PoolTelemetry.make(configuration: configuration, environment: ProcessInfo.processInfo.environment)
            let components = try PoolComponents(
                configuration: configuration,
                httpClient: httpClient,
                logger: logger,
                telemetry: telemetry
            )
            // The span processor runs first so that it stops last, flushing what the servers
            // recorded while draining.
            let tracing: [any Service] = [telemetry.tracer.batchProcessor].compactMap { $0 }
            if telemetry.tracer.configuration.enabled {
                logger.info(
                    "exporting spans over OTLP/HTTP",
                    metadata: [
                        "url": "\(telemetry.tracer.configuration.tracesURL)",
                        "sampler": "\(telemetry.tracer.configuration.sampler)",
                    ]
                )
            }
            let app = components.httpServer.application(onServerRunning: { port in
                logger.info("llm-pool HTTP listening", metadata: ["port": "\(port)"])
                await onHTTPRunning(port)
            })
            let group = ServiceGroup(
                configuration: .init(
                    services: (tracing + [components.redis].compactMap { $0 } + extraServices + [
                        components.healthProber
                    ]).map { .init(service: $0) } + [
                        .init(service: app), .init(service: components.grpcService(onListening: onGRPCRunning)),
                    ]
                        + reloadServices(components: components, httpClient: httpClient, logger: logger),
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger
                )
            )
            try await group.run()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }

    static func clientConfiguration() -> HTTPClient.Configuration {
        // No connection retries: a refused connection must surface as `unavailable` at once so
        // the strategy moves on, instead of being retried until the deadline.
        ProviderFactory.recommendedHTTPClientConfiguration()
    }
}

/// The objects one configuration builds: providers, cache, orchestrator, health monitor and the
/// HTTP server. Also used by tests to run the pool in-process.
public struct PoolComponents: Sendable {
    /// The pipeline.
    public let orchestrator: Orchestrator
    /// Provider health for readiness.
    public let monitor: ProviderHealthMonitor
    /// The HTTP front door.
    public let httpServer: HTTPServer
    /// Authentication and rate limits as configured at start-up.
    public let guards: RequestGuards
    /// The guards in force in both front doors; a reload swaps them.
    public let guardsHolder: GuardsHolder
    /// The Redis rate limiter, when `[redis]` is configured (used if a reload picks that backend).
    let redisLimiter: (any RateLimiter)?
    let configuration: PoolConfiguration
    let logger: Logger

    /// Measurement and tracing of everything the components do.
    public let telemetry: PoolTelemetry

    /// Builds the components.
    /// - Parameter telemetry: The registry and tracer to report to; default a new registry and a
    ///   tracer that exports nothing.
    public init(
        configuration: PoolConfiguration,
        httpClient: HTTPClient,
        logger: Logger,
        telemetry: PoolTelemetry? = nil
    ) throws {
        let telemetry = try telemetry ?? PoolTelemetry.make(configuration: configuration, environment: [:])
        self.telemetry = telemetry
        let providers = try Self.makeProviders(configuration, httpClient: httpClient, telemetry: telemetry)
        let redis = configuration.redis.map { RedisClient(configuration: $0, logger: logger) }
        self.redis = redis
        let cache = Self.makeCache(configuration, redis: redis, telemetry: telemetry, logger: logger)
        orchestrator = Orchestrator(
            configuration: configuration,
            providers: providers,
            cache: cache,
            strategies: Self.strategies(configuration: configuration, providers: providers),
            logger: logger,
            telemetry: telemetry
        )
        monitor = ProviderHealthMonitor()
        Self.connectSignals(orchestrator: orchestrator, configuration: configuration, telemetry: telemetry)
        let nonceStore: any NonceStore = redis.map { RedisNonceStore(client: $0) } ?? InMemoryNonceStore()
        let redisLimiter: (any RateLimiter)? = redis.map { RedisRateLimiter(client: $0) }
        self.redisLimiter = redisLimiter
        guards = try RequestGuards(
            configuration: configuration,
            nonceStore: nonceStore,
            rateLimiter: configuration.rateLimits.backend == .redis ? redisLimiter : nil,
            metrics: telemetry.metrics,
            logger: logger
        )
        guardsHolder = GuardsHolder(guards, nonceStore: nonceStore)
        var httpServer = HTTPServer(
            configuration: configuration.server,
            orchestrator: orchestrator,
            monitor: monitor,
            logger: logger
        )
        httpServer.httpServerMetrics = configuration.telemetry.httpServerMetrics
        self.httpServer = httpServer.guarded(by: guardsHolder)
        self.configuration = configuration
        self.logger = logger
    }

    /// The Redis client shared by the cache, rate limits and nonces, when `[redis]` is configured;
    /// a `Service` to run in the group (it closes its connections on shutdown).
    public let redis: RedisClient?

    /// Feeds the SLO tracker's burn rates into the WEIGHTED scores and exports a first score for
    /// every provider and task, so `llm_pool_provider_score` exists before the first request.
    static func connectSignals(orchestrator: Orchestrator, configuration: PoolConfiguration, telemetry: PoolTelemetry) {
        let resilience = orchestrator.resilience
        if let slo = telemetry.slo {
            // Each provider's own failures against the task's budget over 5 minutes: a provider
            // burning the budget ranks below one that is not.
            resilience.scorer.setBurnRateSource { provider, task in
                slo.providerBurnRate(task: task, provider: provider, window: .seconds(300))
            }
        }
        let snapshot = orchestrator.snapshot
        for task in configuration.tasks.values {
            _ = resilience.scorer.scores(
                for: snapshot.providers(for: task),
                task: task.name,
                weights: resilience.providerWeights,
                configuration: configuration.qos.weighted
            )
        }
    }

    /// The health prober: probes every provider every 10 s, for readiness, WEIGHTED scores and
    /// `llm_pool_provider_up`.
    public var healthProber: HealthProber {
        let orchestrator = self.orchestrator
        return HealthProber(
            providers: { orchestrator.snapshot.providers },
            monitor: monitor,
            health: orchestrator.resilience.health,
            metrics: telemetry.metrics
        )
    }

    /// The answer cache `[cache]` asks for. With the Redis backend, Redis errors are counted as
    /// `llm_pool_cache_requests_total{backend="redis",result="error"}` and logged, and requests
    /// carry on without the cache.
    static func makeCache(
        _ configuration: PoolConfiguration,
        redis: RedisClient?,
        telemetry: PoolTelemetry,
        logger: Logger
    ) -> (any AnswerCache)? {
        guard configuration.cache.enabled else { return nil }
        if configuration.cache.backend == .redis, let redis {
            let errors = telemetry.metrics.cacheRequests.labels("redis", "error")
            return RedisAnswerCache(client: redis, configuration: configuration.cache) { error in
                errors.increment()
                logger.warning("redis cache unavailable; serving without it", metadata: ["error": "\(error)"])
            }
        }
        let cache = InMemoryAnswerCache(configuration: configuration.cache)
        let entries = telemetry.metrics.cacheEntries.labels("memory")
        telemetry.metrics.registry.addCollector { entries.set(Double(cache.count)) }
        return cache
    }

    /// Builds the configured providers, each measured and traced unless telemetry is off.
    public static func makeProviders(
        _ configuration: PoolConfiguration,
        httpClient: HTTPClient,
        telemetry: PoolTelemetry
    ) throws -> [any Provider] {
        let providers = try ProviderFactory.makeProviders(configuration.providers, httpClient: httpClient)
        guard telemetry.isEnabled else { return providers }
        return providers.map { InstrumentedProvider($0, telemetry: telemetry) }
    }

    /// The strategies: FASTEST, VOTING, CONSENSUS, and JUDGE with the `judge` task's template and
    /// first provider as the judge (plain candidates-and-criteria prompt when there is no such task).
    static func strategies(configuration: PoolConfiguration, providers: [any Provider]) -> [any EnsembleStrategy] {
        let judgeTask = configuration.tasks["judge"]
        let judge = judgeTask?.providers.first.flatMap { name in providers.first { $0.name == name } }
        let template =
            judgeTask?.template
            ?? (try! PromptTemplate(
                source: "Pick the best candidate. Answer {\"choice\": <index>, \"reason\": \"...\"}.\n\n{{input}}"
            ))
        return [
            FastestStrategy(),
            VotingStrategy(),
            ConsensusStrategy(),
            JudgeStrategy(judge: judge, template: template, variables: judgeTask?.variables ?? [:]),
        ]
    }

    /// The gRPC front door: `vvtv.llmpool.v1.LlmPool` and `grpc.health.v1.Health`.
    public func grpcService(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> GRPCServerService {
        GRPCServerService(
            host: configuration.server.host,
            port: configuration.server.grpcPort,
            maxMessageBytes: configuration.server.maxBodyBytes,
            services: [
                LlmPoolService(orchestrator: orchestrator, monitor: monitor, logger: logger),
                HealthCheckService(orchestrator: orchestrator, monitor: monitor),
            ],
            logger: logger,
            onListening: onListening
        ).guarded(by: guardsHolder)
    }
}
