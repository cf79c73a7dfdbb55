import AsyncHTTPClient
import Foundation
import Hummingbird
import LLMPoolCore
import LLMPoolObservability
import LLMPoolServer
import LLMPoolSimulator
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// Upstream errors and usage as clients see them, through the real assembly (``PoolComponents``)
/// over real sockets to the simulator: an oversized prompt is a 400 with the upstream's code and
/// param, asked of one provider once, that never opens its breaker; a stream without upstream
/// token counts still reports (estimated) usage.
@Suite("Upstream errors and usage, end to end", .timeLimit(.minutes(1)))
struct UpstreamErrorsEndToEndTests {
    static let models = [
        SimulatedModel(name: "small", seed: 1, answerTokens: 6),
        SimulatedModel(name: "other", seed: 2, answerTokens: 6),
    ]

    static func components(_ simulator: ProviderSimulator, metrics: PoolMetrics) throws -> PoolComponents {
        var config = PoolConfiguration()
        config.providers = [
            ProviderConfiguration(name: "small-a", kind: .openai, baseURL: simulator.baseURL + "/v1", model: "small"),
            ProviderConfiguration(name: "other-b", kind: .openai, baseURL: simulator.baseURL + "/v1", model: "other"),
        ]
        config.tasks["chat_fast"] = TaskConfiguration(
            name: "chat_fast",
            providers: ["small-a", "other-b"],
            promptPath: "x.md",
            template: try PromptTemplate(source: "{{input}}"),
            maxTokens: 5
        )
        config.qos.hedging.staticDelay = .seconds(2)
        config.cache.enabled = false
        config.server.host = "127.0.0.1"
        config.server.httpPort = 0
        config.server.grpcPort = 0
        return try PoolComponents(
            configuration: config,
            httpClient: HTTPClient.shared,
            logger: Logger(label: "upstream-errors"),
            telemetry: PoolTelemetry(metrics: metrics, tracer: PoolTelemetry.makeStandalone().tracer)
        )
    }

    /// Runs `body` with the pool's HTTP port.
    static func withPool(
        _ simulator: ProviderSimulator,
        metrics: PoolMetrics,
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        let components = try Self.components(simulator, metrics: metrics)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = components.httpServer.application { continuation.yield($0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(port)
            group.cancelAll()
        }
    }

    static func post(_ port: Int, _ json: String) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("context_length_exceeded: 400 with the upstream's code and param, one upstream call, breaker closed")
    func contextLengthExceeded() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try simulator.setBehavior(.init(contextTokens: 12), for: "small")
            let metrics = PoolMetrics(registry: MetricsRegistry())
            try await Self.withPool(simulator, metrics: metrics) { port in
                let long = Array(repeating: "word", count: 40).joined(separator: " ")
                let body =
                    #"{"model":"pool/chat_fast","max_tokens":5,"messages":[{"role":"user","content":"\#(long)"}]}"#
                for _ in 0..<6 {
                    let (status, text) = try await Self.post(port, body)
                    #expect(status == 400, "\(text)")
                    let error = try #require(try Self.object(text)["error"] as? [String: Any])
                    #expect(error["code"] as? String == "context_length_exceeded")
                    #expect(error["type"] as? String == "invalid_request_error")
                    #expect(error["param"] as? String == "messages")
                    #expect((error["message"] as? String)?.contains("small-a") == true)
                }
                // Asked of the first provider only, once per request: no retry, no hedge.
                let stats = simulator.stats()
                #expect(stats.models["small"]?.total == 6)
                #expect(stats.models["other"]?.total == 0)
                #expect(metrics.circuitBreakerState.labels("small-a").value == 0)
                let ok = try await Self.post(
                    port,
                    #"{"model":"small-a","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#
                )
                #expect(ok.status == 200, "\(ok.body)")
            }
        }
    }

    @Test("a stream without upstream usage answers estimated usage, counted as source=estimated")
    func estimatedStreamUsage() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try simulator.setBehavior(.init(omitsStreamUsage: true), for: "other")
            let metrics = PoolMetrics(registry: MetricsRegistry())
            try await Self.withPool(simulator, metrics: metrics) { port in
                let (status, text) = try await Self.post(
                    port,
                    #"{"model":"other-b","max_tokens":6,"stream":true,"stream_options":{"include_usage":true},"#
                        + #""messages":[{"role":"user","content":"say something"}]}"#
                )
                #expect(status == 200)
                let events = text.split(separator: "\n").filter { $0.hasPrefix("data: {") }.map { $0.dropFirst(6) }
                let usage = try events.compactMap { try Self.object(String($0))["usage"] as? [String: Any] }.last
                let counts = try #require(usage)
                #expect(counts["completion_tokens"] as? Int == 6)
                #expect((counts["prompt_tokens"] as? Int ?? 0) > 0)
                #expect(metrics.tokens.labels("other-b", "other", "output", "estimated").value == 6)
                #expect(metrics.tokens.labels("other-b", "other", "output", "reported").value == 0)
            }
        }
    }
}
