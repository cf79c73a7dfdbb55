import AsyncHTTPClient
import GRPCCore
import GRPCInProcessTransport
import Hummingbird
import HummingbirdTesting
import LLMPoolCore
import LLMPoolServer
import LLMPoolTesting
import Logging

/// An in-process llm-pool for the client tests: assembled by ``PoolComponents`` as `serve`
/// assembles it, over scripted providers, with HMAC signatures required.
enum ClientTestPool {
    static let keyID = "team-a"
    static let secret = "team-a-shared-secret"

    /// The tenant limited to one request a minute when a test passes a rate limiter.
    static let limitedTenant = "limited"

    static func configuration(_ providers: [ScriptedProvider], secured: Bool) throws -> PoolConfiguration {
        var config = PoolConfiguration()
        config.providers = providers.map {
            ProviderConfiguration(name: $0.name, kind: .ollama, baseURL: "http://127.0.0.1:1", model: $0.model)
        }
        config.tasks["expand_queries"] = TaskConfiguration(
            name: "expand_queries",
            strategy: .fastest,
            providers: providers.map(\.name),
            promptPath: "x.md",
            template: try PromptTemplate(source: "Expand: {{input}}"),
            maxTokens: 32,
            temperature: 0.5
        )
        config.qos.hedging.staticDelay = .milliseconds(20)
        config.health.passiveWindow = .zero
        if secured {
            config.security = SecurityConfiguration(
                enabled: true,
                mode: .hmac,
                protectHealth: false,
                protectMetrics: false,
                hmac: .init(tenants: [:], keys: [keyID: Secret(secret)]),
                jwt: .init()
            )
        }
        config.rateLimits = RateLimitConfiguration(
            enabled: true,
            tenants: [limitedTenant: RateLimit(requestsPerMinute: 1)]
        )
        return config
    }

    static func components(
        _ providers: [ScriptedProvider],
        secured: Bool,
        rateLimiter: (any RateLimiter)? = nil
    ) throws -> PoolComponents {
        var options = PoolComponents.Options()
        options.rateLimiter = rateLimiter
        options.makeProviders = { configuration in
            configuration.providers.compactMap { entry in providers.first { $0.name == entry.name } }
        }
        return try PoolComponents(
            configuration: try configuration(providers, secured: secured),
            httpClient: HTTPClient.shared,
            logger: Logger(label: "client-test"),
            telemetry: .makeStandalone(),
            options: options
        )
    }

    /// Runs `body` with the base URL of the pool's HTTP door, live on a loopback port.
    static func withHTTP(
        _ providers: [ScriptedProvider],
        secured: Bool = false,
        rateLimiter: (any RateLimiter)? = nil,
        _ body: @Sendable @escaping (String) async throws -> Void
    ) async throws {
        let components = try components(providers, secured: secured, rateLimiter: rateLimiter)
        await components.healthProber.probeAll()
        let app = Application(router: components.httpServer.router())
        try await app.test(.live) { client in
            guard let port = client.port else { throw ClientTestFailure("the live test server has no port") }
            try await body("http://127.0.0.1:\(port)")
        }
    }

    /// Runs `body` with a `GRPCClient` connected in-process to the pool's gRPC services and
    /// interceptors.
    static func withGRPC(
        _ providers: [ScriptedProvider],
        secured: Bool = false,
        rateLimiter: (any RateLimiter)? = nil,
        _ body: @Sendable @escaping (GRPCClient<InProcessTransport.Client>) async throws -> Void
    ) async throws {
        let components = try components(providers, secured: secured, rateLimiter: rateLimiter)
        await components.healthProber.probeAll()
        let transport = InProcessTransport()
        let server = GRPCServer(
            transport: transport.server,
            services: components.grpcServices(),
            interceptors: components.grpcInterceptors
        )
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            try await withGRPCClient(transport: transport.client) { client in
                try await body(client)
            }
            server.beginGracefulShutdown()
        }
    }
}

struct ClientTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
