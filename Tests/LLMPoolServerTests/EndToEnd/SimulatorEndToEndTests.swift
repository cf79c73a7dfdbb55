import AsyncHTTPClient
import GRPCCore
import GRPCNIOTransportHTTP2
import LLMPoolCore
import LLMPoolProto
import LLMPoolServer
import LLMPoolSimulator
import Logging
import SwiftProtobuf
import Testing

/// The whole pipeline over real loopback sockets: gRPC client → llm-pool → provider over HTTP →
/// simulator. Proves that deadlines and cancellation reach the upstream connection.
@Suite("End to end against the simulator", .timeLimit(.minutes(1)))
struct SimulatorEndToEndTests {
    static func configuration(simulator: ProviderSimulator) throws -> PoolConfiguration {
        var config = PoolConfiguration()
        config.providers = [
            ProviderConfiguration(name: "phi3-mini", kind: .ollama, baseURL: simulator.baseURL, model: "phi3:mini"),
            ProviderConfiguration(
                name: "llama31-8b",
                kind: .openai,
                baseURL: simulator.baseURL + "/v1",
                model: "llama3.1:8b"
            ),
        ]
        config.tasks["expand_queries"] = TaskConfiguration(
            name: "expand_queries",
            providers: ["phi3-mini", "llama31-8b"],
            promptPath: "x.md",
            template: try PromptTemplate(source: "Expand: {{input}}"),
            maxTokens: 16
        )
        // Long enough that a cold connection on a loaded machine does not trigger a hedge; the
        // hedging test makes the first provider hang, so it still hedges.
        config.qos.hedging.staticDelay = .milliseconds(500)
        config.cache.enabled = false
        config.server.host = "127.0.0.1"
        config.server.grpcPort = 0
        return config
    }

    static func withPool<T: Sendable>(
        _ simulator: ProviderSimulator,
        _ body: @Sendable (Vvtv_Llmpool_V1_LlmPool.Client<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: ProviderFactory.recommendedHTTPClientConfiguration()
        )
        do {
            let value = try await run(simulator, client: client, body)
            try await client.shutdown()
            return value
        } catch {
            try await client.shutdown()
            throw error
        }
    }

    static func run<T: Sendable>(
        _ simulator: ProviderSimulator,
        client: HTTPClient,
        _ body: @Sendable (Vvtv_Llmpool_V1_LlmPool.Client<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        let components = try PoolComponents(
            configuration: try configuration(simulator: simulator),
            httpClient: client,
            logger: Logger(label: "e2e")
        )
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let service = components.grpcService { continuation.yield($0) }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await service.run(); return nil
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let transport = try HTTP2ClientTransport.Posix(
                target: .ipv4(address: "127.0.0.1", port: port),
                transportSecurity: .plaintext
            )
            let value = try await withGRPCClient(transport: transport) { grpc in
                try await body(Vvtv_Llmpool_V1_LlmPool.Client(wrapping: grpc))
            }
            group.cancelAll()
            return value
        }
    }

    static let models = [
        SimulatedModel.instant(name: "phi3:mini", seed: 1), SimulatedModel.instant(name: "llama3.1:8b", seed: 2),
    ]

    @Test("a gRPC request is answered by a simulated model through both provider kinds")
    func answers() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            let answer = try await Self.withPool(simulator) { pool in
                try await pool.infer(
                    .with {
                        $0.task = "expand_queries"; $0.input = "swift"
                    }
                )
            }
            #expect(answer.model == "phi3:mini")
            #expect(!answer.text.isEmpty)
            // A hanging first provider is hedged: the OpenAI-compatible one answers, and the
            // hedged-away call is cancelled upstream.
            try simulator.setFaults(SimulatorFaults(hang: true), for: "phi3:mini")
            let hedged = try await Self.withPool(simulator) { pool in
                try await pool.infer(
                    .with {
                        $0.task = "expand_queries"; $0.input = "swift"; $0.deadlineMs = 5000
                    }
                )
            }
            #expect(hedged.model == "llama3.1:8b")
            #expect(hedged.decision.hedgesFired == 1)
            let stats = try await simulator.waitForStats { $0.models["phi3:mini"]?.cancelled ?? 0 >= 1 }
            #expect(stats.models["phi3:mini"]?.cancelled == 1)
        }
    }

    @Test("the gRPC deadline cancels the upstream calls at the simulator")
    func deadlineCancelsUpstream() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try simulator.setFaults(SimulatorFaults(hang: true), for: "phi3:mini")
            try simulator.setFaults(SimulatorFaults(hang: true), for: "llama3.1:8b")
            let error = try await Self.withPool(simulator) { pool in
                var options = CallOptions.defaults
                // Past the 500 ms hedge delay, so both providers are called before time runs out.
                options.timeout = .milliseconds(1200)
                do {
                    _ = try await pool.infer(
                        .with {
                            $0.task = "expand_queries"; $0.input = "swift"
                        },
                        options: options
                    )
                    return RPCError.Code?.none
                } catch let error as RPCError {
                    return error.code
                }
            }
            #expect(error == .deadlineExceeded)
            // Every call that reached the simulator (both, unless a loaded machine kept the hedge
            // from firing in time) ends cancelled; bounded, so a miss fails instead of hanging.
            let stats = try await withThrowingTaskGroup(of: SimulatorStats?.self) { group in
                group.addTask { try await simulator.waitForStats { $0.total >= 1 && $0.cancelled == $0.total } }
                group.addTask {
                    try await Task.sleep(for: .seconds(10))
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            #expect(stats != nil, "the upstream calls were not all cancelled: \(simulator.stats())")
            #expect((stats?.cancelled ?? 0) >= 1)
        }
    }
}
