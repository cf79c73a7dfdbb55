import Hummingbird
import LLMPoolCore
import Logging
import NIOCore

/// Builds llm-pool's HTTP front door: the native JSON API, the OpenAI-compatible API, health and
/// readiness, `/metrics` and the live console, on Hummingbird. Inference routes decode their body
/// once and hand the call to the ``Gateway`` shared with the gRPC door; `GET /openapi.json`
/// describes them all.
public struct HTTPServer: Sendable {
    /// Where and how to listen.
    public var configuration: ServerConfiguration
    /// The pipeline requests go through.
    public let gateway: Gateway
    /// Provider health for `/readyz`.
    public let monitor: ProviderHealthMonitor
    /// The logger for access logs.
    public var logger: Logger
    /// Whether Hummingbird's own metrics middleware runs (TOML `telemetry.http_server_metrics`).
    public var httpServerMetrics = false
    /// The console's shared state; its routes are served when `console.enabled`. `nil`: no console.
    public var console: Console?

    /// The orchestrator behind the gateway.
    public var orchestrator: Orchestrator { gateway.orchestrator }

    /// Creates the server description.
    public init(configuration: ServerConfiguration, gateway: Gateway, monitor: ProviderHealthMonitor, logger: Logger) {
        self.configuration = configuration
        self.gateway = gateway
        self.monitor = monitor
        self.logger = logger
    }

    /// The router with every route and middleware.
    public func router() -> Router<PoolRequestContext> {
        let router = Router(context: PoolRequestContext.self)
        let telemetry = orchestrator.telemetry
        router.add(
            middleware: RequestIDMiddleware(logger: logger, tracer: telemetry.isEnabled ? telemetry.tracer : nil)
        )
        if telemetry.isEnabled, httpServerMetrics {
            // Hummingbird's own request metrics, through swift-metrics into the same registry
            // once the executable bootstraps `RegistryMetricsFactory`.
            router.add(middleware: MetricsMiddleware())
        }
        if let guards = gateway.guards {
            router.add(middleware: GuardsMiddleware(holder: guards, maxBodyBytes: configuration.maxBodyBytes))
        }
        let edge = HTTPEdge(gateway: gateway)
        MetricsRoutes(registry: telemetry.metrics.registry).register(on: router)
        InferRoutes(edge: edge, maxBodyBytes: configuration.maxBodyBytes).register(on: router)
        OpenAIRoutes(edge: edge, maxBodyBytes: configuration.maxBodyBytes).register(on: router)
        EmbeddingRoutes(edge: edge, maxBodyBytes: configuration.maxBodyBytes).register(on: router)
        HealthRoutes(orchestrator: orchestrator, monitor: monitor).register(on: router)
        OpenAPIRoutes().register(on: router)
        if let console, console.configuration.enabled {
            let builder = ConsoleStateBuilder(orchestrator: orchestrator, monitor: monitor, console: console)
            ConsoleRoutes(builder: builder).register(on: router)
        }
        return router
    }

    /// The Hummingbird application, a `Service` to run in a `ServiceGroup`.
    /// - Parameter onServerRunning: Called with the bound port once listening (port 0 picks a free one).
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        let (idle, read) = (configuration.idleTimeout, configuration.readTimeout)
        let closes = orchestrator.telemetry.isEnabled ? orchestrator.telemetry.metrics.httpConnectionsClosed : nil
        return Application(
            router: router(),
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [
                        ConnectionGuardHandler(idleTimeout: idle, readTimeout: read, closes: closes)
                    ]
                )
            ),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.httpPort),
                serverName: "llm-pool"
            ),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }
}
