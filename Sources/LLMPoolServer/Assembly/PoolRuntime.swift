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
    /// Parts a test injects into the assembly (fake providers, strategies); default the server's.
    public var options = PoolComponents.Options()

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
                telemetry: telemetry,
                options: options
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
            var background: [any Service] = tracing
            if let redis = components.redis { background.append(redis) }
            background += extraServices
            background.append(components.healthProber)
            if let warmup = components.warmup { background.append(warmup) }
            let servers: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: app), .init(service: components.grpcService(onListening: onGRPCRunning)),
            ]
            // Last, so it hears of the shutdown first: requests cancelled by the drain are 503s.
            let drain = ServiceGroupConfiguration.ServiceConfiguration(
                service: DrainWatcher(state: components.drain),
                successTerminationBehavior: .ignore
            )
            var group = ServiceGroupConfiguration(
                services: background.map { .init(service: $0) } + servers
                    + reloadServices(components: components, logger: logger) + [drain],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
            // In-flight requests get `server.drain_timeout_ms` less a margin (DrainState.answerBy);
            // the gateway then cancels what still runs and answers it 503, and the servers close
            // before the group would cancel them.
            group.maximumGracefulShutdownDuration = configuration.server.drainTimeout
            group.maximumCancellationDuration = .seconds(2)
            let serviceGroup = ServiceGroup(configuration: group)
            try await serviceGroup.run()
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
