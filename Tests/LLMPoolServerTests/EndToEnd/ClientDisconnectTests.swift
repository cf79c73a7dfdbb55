import AsyncHTTPClient
import GRPCCore
import GRPCNIOTransportHTTP2
import Hummingbird
import LLMPoolCore
import LLMPoolObservability
import LLMPoolProto
import LLMPoolServer
import LLMPoolSimulator
import LLMPoolTesting
import Logging
import NIOCore
import NIOHTTP1
import SwiftProtobuf
import Testing

/// A client that leaves in the middle of a stream cancels the upstream call, over real sockets
/// for both doors: the simulator sees the call end, and the pool's in-flight gauge returns to 0.
@Suite("A client leaving mid-stream", .timeLimit(.minutes(1)))
struct ClientDisconnectTests {
    /// 400 tokens at 20 ms: an 8 s stream, far longer than the test waits.
    static let slow = SimulatedModel(name: "slow", perTokenDelay: .milliseconds(20), answerTokens: 400)

    static func components(_ simulator: ProviderSimulator, metrics: PoolMetrics) throws -> PoolComponents {
        var config = PoolConfiguration()
        config.providers = [
            ProviderConfiguration(name: "slow", kind: .ollama, baseURL: simulator.baseURL, model: "slow")
        ]
        config.tasks["talk"] = TaskConfiguration(
            name: "talk",
            providers: ["slow"],
            promptPath: "x.md",
            template: try PromptTemplate(source: "{{input}}"),
            maxTokens: 400
        )
        config.cache.enabled = false
        config.qos.defaultDeadline = .seconds(30)
        config.server.host = "127.0.0.1"
        config.server.httpPort = 0
        config.server.grpcPort = 0
        return try PoolComponents(
            configuration: config,
            httpClient: HTTPClient.shared,
            logger: Logger(label: "disconnect"),
            telemetry: PoolTelemetry(metrics: metrics, tracer: PoolTelemetry.makeStandalone().tracer)
        )
    }

    /// Waits (at most 5 s) for the provider's in-flight gauge to read `value`.
    static func inflight(_ metrics: PoolMetrics, reaches value: Double) async throws -> Double {
        let gauge = metrics.providerInflight.labels("slow")
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        while gauge.value != value, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return gauge.value
    }

    @Test("over SSE")
    func sse() async throws {
        try await ProviderSimulator.withRunning(models: [Self.slow]) { simulator in
            let metrics = PoolMetrics(registry: MetricsRegistry())
            let components = try Self.components(simulator, metrics: metrics)
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let app = components.httpServer.application { continuation.yield($0) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.run() }
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                let reader = Task {
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/infer/stream")
                    request.method = .POST
                    request.headers.add(name: "content-type", value: "application/json")
                    request.body = .bytes(ByteBuffer(string: #"{"task":"talk","input":"go"}"#))
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                    var chunks = 0
                    for try await _ in response.body {
                        chunks += 1
                        if chunks == 3 { return chunks }
                    }
                    return chunks
                }
                #expect(try await reader.value == 3)
                // The response is abandoned with the stream still running: the connection closes.
                reader.cancel()
                let stats = try await simulator.waitForStats { $0.models["slow"]?.cancelled ?? 0 >= 1 }
                #expect(stats.models["slow"]?.cancelled == 1)
                #expect(stats.models["slow"]?.completed == 0)
                #expect(try await Self.inflight(metrics, reaches: 0) == 0)
                group.cancelAll()
            }
        }
    }

    @Test("over gRPC InferStream")
    func grpc() async throws {
        try await ProviderSimulator.withRunning(models: [Self.slow]) { simulator in
            let metrics = PoolMetrics(registry: MetricsRegistry())
            let components = try Self.components(simulator, metrics: metrics)
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let service = components.grpcService { continuation.yield($0) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                let transport = try HTTP2ClientTransport.Posix(
                    target: .ipv4(address: "127.0.0.1", port: port),
                    transportSecurity: .plaintext
                )
                try await withGRPCClient(transport: transport) { client in
                    let pool = Vvtv_Llmpool_V1_LlmPool.Client(wrapping: client)
                    let query = Vvtv_Llmpool_V1_Query.with {
                        $0.task = "talk"
                        $0.input = "go"
                    }
                    let received = try await pool.inferStream(query) { response in
                        var chunks = 0
                        for try await _ in response.messages {
                            chunks += 1
                            if chunks == 3 { break }
                        }
                        return chunks  // leaving the handler cancels the RPC
                    }
                    #expect(received == 3)
                    let stats = try await simulator.waitForStats { $0.models["slow"]?.cancelled ?? 0 >= 1 }
                    #expect(stats.models["slow"]?.cancelled == 1)
                    #expect(stats.models["slow"]?.completed == 0)
                    #expect(try await Self.inflight(metrics, reaches: 0) == 0)
                }
                group.cancelAll()
            }
        }
    }
}
