import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2
import LLMPoolCore
import LLMPoolProto
import LLMPoolServer
import LLMPoolTesting
import Logging
import SwiftProtobuf
import Testing

@Suite("gRPC front door")
struct GRPCServiceTests {
    static func components(_ providers: [ScriptedProvider]) throws -> PoolComponents {
        try TestPool.components(try HTTPTestSupport.configuration(providers), providers: providers)
    }

    /// Runs `body` with clients connected in-process to a server with the pool's services and
    /// its health prober, which has probed once before `body` starts.
    static func withInProcess(
        _ providers: [ScriptedProvider],
        _ body:
            @Sendable (
                Vvtv_Llmpool_V1_LlmPool.Client<InProcessTransport.Client>,
                Grpc_Health_V1_Health.Client<InProcessTransport.Client>
            ) async throws -> Void
    ) async throws {
        try await withPool(providers) { pool, health, _ in try await body(pool, health) }
    }

    /// ``withInProcess(_:_:)`` that also hands `body` the prober, to probe on demand.
    static func withPool(
        _ providers: [ScriptedProvider],
        _ body:
            @Sendable (
                Vvtv_Llmpool_V1_LlmPool.Client<InProcessTransport.Client>,
                Grpc_Health_V1_Health.Client<InProcessTransport.Client>,
                HealthProber
            ) async throws -> Void
    ) async throws {
        let components = try components(providers)
        let prober = components.healthProber
        await prober.probeAll()
        let transport = InProcessTransport()
        let server = GRPCServer(
            transport: transport.server,
            services: components.grpcServices(healthWatchInterval: .milliseconds(20))
        )
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            group.addTask { try await prober.run() }
            try await withGRPCClient(transport: transport.client) { client in
                try await body(.init(wrapping: client), .init(wrapping: client), prober)
            }
            server.beginGracefulShutdown()
            group.cancelAll()
        }
    }

    static func query(_ input: String = "swift", task: String = "expand_queries") -> Vvtv_Llmpool_V1_Query {
        .with {
            $0.task = task
            $0.input = input
        }
    }

    @Test("Infer answers with the decision and echoes x-request-id")
    func infer() async throws {
        let a = ScriptedProvider(name: "a", model: "phi3:mini", behaviour: .answer("one two", delay: .zero))
        try await Self.withInProcess([a]) { pool, _ in
            let answer = try await pool.infer(Self.query(), metadata: ["x-request-id": "g-1"]) { response in
                #expect(response.metadata["x-request-id"].contains(.string("g-1")))
                return try response.message
            }
            #expect(answer.text == "one two")
            #expect(answer.requestID == "g-1")
            #expect(answer.strategy == .fastest)
            #expect(answer.decision.winner == "a")
            #expect(answer.usage.outputTokens == 2)
        }
    }

    @Test("InferStream sends started, deltas in order, then the final answer")
    func stream() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("alpha beta gamma", delay: .zero))
        try await Self.withInProcess([a]) { pool, _ in
            let chunks = try await pool.inferStream(Self.query()) { response in
                var chunks: [Vvtv_Llmpool_V1_AnswerChunk] = []
                for try await chunk in response.messages { chunks.append(chunk) }
                return chunks
            }
            #expect(chunks.first?.started.provider == "a")
            let text = chunks.compactMap { if case .delta(let d) = $0.event { d } else { nil } }.joined()
            #expect(text == "alpha beta gamma")
            #expect(chunks.last?.final.text == "alpha beta gamma")
        }
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var name: String
        var query: Vvtv_Llmpool_V1_Query
        var behaviour: ScriptedProvider.Behaviour
        var code: RPCError.Code
        var message: String
        var testDescription: String { name }
    }

    static let errorCases: [ErrorCase] = [
        .init(
            name: "invalid input",
            query: query(""),
            behaviour: .answer("x", delay: .zero),
            code: .invalidArgument,
            message: "input must not be empty"
        ),
        .init(
            name: "too large",
            query: query(String(repeating: "x", count: 2000)),
            behaviour: .answer("x", delay: .zero),
            code: .resourceExhausted,
            message: "the limit is 1000"
        ),
        .init(
            name: "message over server.max_body_bytes",
            query: query(String(repeating: "x", count: 5000)),
            behaviour: .answer("x", delay: .zero),
            code: .resourceExhausted,
            message: "the limit is 4096 (server.max_body_bytes)"
        ),
        .init(
            name: "unknown task",
            query: query(task: "nope"),
            behaviour: .answer("x", delay: .zero),
            code: .notFound,
            message: "unknown task 'nope'"
        ),
        .init(
            name: "no provider",
            query: query(),
            behaviour: .fail(PoolError(code: .upstreamFailed, message: "HTTP 500"), delay: .zero),
            code: .unavailable,
            message: "HTTP 500"
        ),
        .init(
            name: "rate limited",
            query: query(),
            behaviour: .fail(PoolError(code: .resourceExhausted, message: "quota"), delay: .zero),
            code: .unavailable,
            message: "quota"
        ),
        .init(
            name: "deadline",
            query: .with {
                $0.task = "expand_queries"; $0.input = "x"; $0.deadlineMs = 30
            },
            behaviour: .hang,
            code: .deadlineExceeded,
            message: "deadline exceeded"
        ),
    ]

    @Test("domain errors map to gRPC status codes with a message", arguments: errorCases)
    func errors(_ bad: ErrorCase) async throws {
        let a = ScriptedProvider(name: "a", behaviour: bad.behaviour)
        try await Self.withInProcess([a]) { pool, _ in
            let error = await #expect(throws: RPCError.self) { try await pool.infer(bad.query) }
            #expect(error?.code == bad.code)
            #expect(error?.message.contains(bad.message) == true, "\(String(describing: error))")
        }
    }

    @Test(
        "the domain errors map one to one",
        arguments: [
            (PoolError.Code.invalidArgument, RPCError.Code.invalidArgument), (.notFound, .notFound),
            (.payloadTooLarge, .resourceExhausted),
            (.deadlineExceeded, .deadlineExceeded), (.unavailable, .unavailable),
            (.resourceExhausted, .resourceExhausted),
            (.unauthenticated, .unauthenticated), (.permissionDenied, .permissionDenied), (.cancelled, .cancelled),
            (.internal, .internalError),
        ]
    )
    func mapping(_ pair: (PoolError.Code, RPCError.Code)) {
        #expect(PoolError(code: pair.0, message: "m").rpcError.code == pair.1)
    }

    @Test("the gRPC deadline becomes the query deadline and cancels the provider call")
    func grpcDeadline() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .hang)
        try await Self.withInProcess([a]) { pool, _ in
            var options = CallOptions.defaults
            options.timeout = .milliseconds(50)
            await #expect(throws: RPCError.self) { try await pool.infer(Self.query(), options: options) }
        }
        #expect(a.calls == 1)
        #expect(a.cancellations == 1)
    }

    @Test("a client deadline longer than qos.max_deadline_ms is not an error: the pool keeps its own")
    func longClientDeadline() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("in time", delay: .zero))
        try await Self.withInProcess([a]) { pool, _ in
            var options = CallOptions.defaults
            options.timeout = .seconds(120)
            let answer = try await pool.infer(Self.query(), options: options)
            #expect(answer.text == "in time")
        }
    }

    @Test("Health and grpc.health.v1 follow provider health")
    func health() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("x", delay: .zero))
        try await Self.withPool([a]) { pool, health, prober in
            #expect(try await pool.health(.init()).status == .serving)
            #expect(try await health.check(.with { $0.service = "" }).status == .serving)
            #expect(try await health.check(.with { $0.service = "vvtv.llmpool.v1.LlmPool" }).status == .serving)
            let error = await #expect(throws: RPCError.self) { try await health.check(.with { $0.service = "nope" }) }
            #expect(error?.code == .notFound)
            a.setBehaviour(.fail(PoolError(code: .unavailable, message: "down"), delay: .zero))
            await prober.probeAll()
            #expect(try await health.check(.with { $0.service = "" }).status == .notServing)
            let report = try await pool.health(.init())
            #expect(report.status == .notServing)
            #expect(report.unservedTasks == ["expand_queries"])
        }
    }

    @Test("Watch streams the current status and each change")
    func watch() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("x", delay: .zero))
        try await Self.withInProcess([a]) { _, health in
            let statuses = try await health.watch(.with { $0.service = "" }) { response in
                var seen: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
                for try await message in response.messages {
                    seen.append(message.status)
                    if seen.count == 1 {
                        a.setBehaviour(.fail(PoolError(code: .unavailable, message: "down"), delay: .zero))
                    }
                    if seen.count == 2 { break }
                }
                return seen
            }
            #expect(statuses == [.serving, .notServing])
        }
    }

    @Test("over a real loopback port with the HTTP/2 transport")
    func loopback() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("over the wire", delay: .zero))
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: "127.0.0.1", port: 0),
            transportSecurity: .plaintext
        )
        let components = try Self.components([a])
        await components.healthProber.probeAll()
        let server = GRPCServer(transport: transport, services: components.grpcServices())
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            let port = try #require(try await transport.listeningAddress.ipv4?.port)
            let clientTransport = try HTTP2ClientTransport.Posix(
                target: .ipv4(address: "127.0.0.1", port: port),
                transportSecurity: .plaintext
            )
            try await withGRPCClient(transport: clientTransport) { client in
                let answer = try await Vvtv_Llmpool_V1_LlmPool.Client(wrapping: client).infer(Self.query())
                #expect(answer.text == "over the wire")
                let status = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = "" })
                #expect(status.status == .serving)
            }
            server.beginGracefulShutdown()
        }
    }
}
