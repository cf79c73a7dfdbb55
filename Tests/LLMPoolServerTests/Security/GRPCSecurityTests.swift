import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2
import LLMPoolCore
import LLMPoolObservability
import LLMPoolProto
import LLMPoolServer
import LLMPoolTesting
import Logging
import SwiftProtobuf
import Testing

@Suite("gRPC authentication and rate limits")
struct GRPCSecurityTests {
    typealias PoolClient = Vvtv_Llmpool_V1_LlmPool.Client<InProcessTransport.Client>
    typealias HealthClient = Grpc_Health_V1_Health.Client<InProcessTransport.Client>

    static func withServer(
        security: SecurityConfiguration = .defaults,
        rateLimits: RateLimitConfiguration = .defaults,
        limiter: (any RateLimiter)? = nil,
        metrics: PoolMetrics = PoolMetrics(registry: MetricsRegistry()),
        _ body: @Sendable (PoolClient, HealthClient) async throws -> Void
    ) async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("one two", delay: .zero))
        let config = try SecurityTestSupport.configuration([a], security: security, rateLimits: rateLimits)
        let components = try TestPool.components(
            config,
            providers: [a],
            telemetry: SecurityTestSupport.telemetry(metrics),
            rateLimiter: limiter
        )
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
                try await body(.init(wrapping: client), .init(wrapping: client))
            }
            server.beginGracefulShutdown()
        }
    }

    static func query(tenant: String = "") -> Vvtv_Llmpool_V1_Query {
        .with {
            $0.task = "expand_queries"
            $0.input = "12345678"
            $0.maxTokens = 20
            $0.tenant = tenant
            $0.metadata = ["b": "2", "a": "1"]
        }
    }

    /// Metadata signing `query` for `method`, over its deterministic serialization.
    static func signed(
        _ query: Vvtv_Llmpool_V1_Query,
        method: String = "/vvtv.llmpool.v1.LlmPool/Infer",
        secret: String = SecurityTestSupport.hmacSecret
    ) throws -> Metadata {
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        let bytes: [UInt8] = try query.serializedBytes(options: options)
        var metadata = Metadata()
        for (name, value) in HMACRequestSigner(keyID: "k1", secret: Secret(secret)).headers(
            method: "POST",
            path: method,
            body: bytes
        ) {
            metadata.addString(value, forKey: name)
        }
        return metadata
    }

    @Test("a signed Infer is served; unsigned or wrongly signed calls end UNAUTHENTICATED")
    func hmac() async throws {
        let metrics = PoolMetrics(registry: MetricsRegistry())
        try await Self.withServer(security: SecurityTestSupport.security(), metrics: metrics) { pool, _ in
            let answer = try await pool.infer(Self.query(), metadata: try Self.signed(Self.query()))
            #expect(answer.text == "one two")

            let unsigned = await #expect(throws: RPCError.self) { try await pool.infer(Self.query()) }
            #expect(unsigned?.code == .unauthenticated)
            #expect(unsigned?.message.hasPrefix("missing credentials") == true)

            let wrong = await #expect(throws: RPCError.self) {
                try await pool.infer(Self.query(), metadata: try Self.signed(Self.query(), secret: "guess"))
            }
            #expect(wrong?.code == .unauthenticated)
            #expect(wrong?.message == "signature mismatch")

            // Signed for Infer, sent to InferStream: the method path is part of what is signed.
            let moved = await #expect(throws: RPCError.self) {
                try await pool.inferStream(Self.query(), metadata: try Self.signed(Self.query())) { response in
                    for try await _ in response.messages {}
                }
            }
            #expect(moved?.message == "signature mismatch")
        }
        #expect(SecurityTestSupport.counter(metrics.authFailures, "grpc", "bad_signature") == 2)
        #expect(SecurityTestSupport.counter(metrics.authFailures, "grpc", "missing_credentials") == 1)
    }

    @Test("a signed InferStream streams")
    func signedStream() async throws {
        try await Self.withServer(security: SecurityTestSupport.security()) { pool, _ in
            let metadata = try Self.signed(Self.query(), method: "/vvtv.llmpool.v1.LlmPool/InferStream")
            let text = try await pool.inferStream(Self.query(), metadata: metadata) { response in
                var text = ""
                for try await chunk in response.messages { if case .delta(let delta) = chunk.event { text += delta } }
                return text
            }
            #expect(text == "one two")
        }
    }

    @Test("a bearer token in metadata is accepted; a tenant mismatch is PERMISSION_DENIED")
    func jwt() async throws {
        let token = try await SecurityTestSupport.token()
        try await Self.withServer(security: SecurityTestSupport.security(mode: .jwt)) { pool, _ in
            let answer = try await pool.infer(Self.query(), metadata: ["authorization": "Bearer \(token)"])
            #expect(answer.text == "one two")
            let denied = await #expect(throws: RPCError.self) {
                try await pool.infer(
                    Self.query(),
                    metadata: ["authorization": "Bearer \(token)", "x-llm-pool-tenant": "team-b"]
                )
            }
            #expect(denied?.code == .permissionDenied)
            #expect(denied?.metadata["llm-pool-error"].contains(.string("permission_denied")) == true)
            let none = await #expect(throws: RPCError.self) {
                try await pool.infer(Self.query(), metadata: ["authorization": "Bearer e30.e30."])
            }
            #expect(none?.code == .unauthenticated)
        }
    }

    @Test("health services stay open unless protect_health", arguments: [false, true])
    func health(_ protect: Bool) async throws {
        try await Self.withServer(security: SecurityTestSupport.security(protectHealth: protect)) { pool, health in
            if protect {
                let error = await #expect(throws: RPCError.self) { try await health.check(.with { $0.service = "" }) }
                #expect(error?.code == .unauthenticated)
                let poolHealth = await #expect(throws: RPCError.self) { try await pool.health(.init()) }
                #expect(poolHealth?.code == .unauthenticated)
            } else {
                #expect(try await health.check(.with { $0.service = "" }).status == .serving)
                _ = try await pool.health(.init())
            }
        }
    }

    @Test(
        "over the limit: RESOURCE_EXHAUSTED with retry-after in the trailers; admitted calls carry x-ratelimit metadata"
    )
    func rateLimit() async throws {
        let metrics = PoolMetrics(registry: MetricsRegistry())
        let limits = RateLimitConfiguration(enabled: true, requestsPerMinute: 1)
        try await Self.withServer(rateLimits: limits, metrics: metrics) { pool, _ in
            try await pool.infer(Self.query(tenant: "t1")) { response in
                #expect(response.metadata["x-ratelimit-limit-requests"].contains(.string("1")))
                #expect(response.metadata["x-ratelimit-remaining-requests"].contains(.string("0")))
                let text = try response.message.text
                #expect(text == "one two")
            }
            let error = await #expect(throws: RPCError.self) { try await pool.infer(Self.query(tenant: "t1")) }
            #expect(error?.code == .resourceExhausted)
            #expect(
                error?.message.hasPrefix("rate limit exceeded for tenant 't1': 1 requests per minute; retry after")
                    == true
            )
            let retryAfter = error.flatMap { RequestMessagesProbe.first("retry-after", in: $0.metadata) }.flatMap(
                Int.init
            )
            #expect(retryAfter.map { (1...60).contains($0) } == true)
            #expect(error?.metadata["llm-pool-error"].contains(.string("resource_exhausted")) == true)
            // Another tenant, named in metadata, has its own budget.
            _ = try await pool.infer(Self.query(), metadata: ["x-llm-pool-tenant": "t2"])
        }
        #expect(SecurityTestSupport.counter(metrics.rateLimited, "grpc", "requests") == 1)
    }

    @Test("the token estimate is corrected with the answer's usage")
    func tokenCorrection() async throws {
        let limiter = RecordingLimiter()
        try await Self.withServer(
            rateLimits: RateLimitConfiguration(enabled: true, tokensPerMinute: 10_000),
            limiter: limiter
        ) { pool, _ in
            _ = try await pool.infer(Self.query())
            try await pool.inferStream(Self.query()) { response in
                for try await _ in response.messages {}
            }
        }
        // Estimate: 8 bytes / 4 + 20 = 22. Usage: 3 input + 2 output = 5.
        #expect(limiter.acquired.map(\.estimate) == [22, 22])
        #expect(limiter.adjustments == [5 - 22, 5 - 22])
    }

    @Test("over a real loopback port, and GRPCServerService takes the guards' interceptors")
    func loopback() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("over the wire", delay: .zero))
        let config = try SecurityTestSupport.configuration(
            [a],
            security: SecurityTestSupport.security(),
            rateLimits: .init(enabled: true, requestsPerMinute: 5)
        )
        let components = try TestPool.components(config, providers: [a])
        let service = components.grpcService()
        // Authentication runs in the one interceptor that reads the guards in force; rate limits
        // are the gateway's admit stage.
        #expect(components.guardsHolder.current.interceptors().count == 1)
        #expect(service.interceptors.count == 1)

        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: "127.0.0.1", port: 0),
            transportSecurity: .plaintext
        )
        let pool = components.grpcServices()[0]
        let server = GRPCServer(transport: transport, services: [pool], interceptors: service.interceptors)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            let port = try #require(try await transport.listeningAddress.ipv4?.port)
            let clientTransport = try HTTP2ClientTransport.Posix(
                target: .ipv4(address: "127.0.0.1", port: port),
                transportSecurity: .plaintext
            )
            try await withGRPCClient(transport: clientTransport) { client in
                let client = Vvtv_Llmpool_V1_LlmPool.Client(wrapping: client)
                try await client.infer(Self.query(), metadata: try Self.signed(Self.query())) { response in
                    #expect(response.metadata["x-ratelimit-remaining-requests"].contains(.string("4")))
                    let text = try response.message.text
                    #expect(text == "over the wire")
                }
                let error = await #expect(throws: RPCError.self) { try await client.infer(Self.query()) }
                #expect(error?.code == .unauthenticated)
            }
            server.beginGracefulShutdown()
        }
    }
}

/// Reads metadata values in tests.
enum RequestMessagesProbe {
    static func first(_ key: String, in metadata: Metadata) -> String? {
        for value in metadata[key] {
            if case .string(let text) = value { return text }
        }
        return nil
    }
}
