import AsyncHTTPClient
import Foundation
import LLMPoolCore
import LLMPoolObservability
import LLMPoolServer
import LLMPoolSimulator
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceLifecycle
import Testing

/// `POST /v1/embeddings` through the real assembly (``PoolComponents``) over real sockets to the
/// simulator's `/v1/embeddings` and `/api/embed`: fields forwarded, failover past a dead
/// provider, the cache, base64 for Ollama, refusals naming the field, `/v1/models`, metrics.
@Suite("Embeddings end to end", .timeLimit(.minutes(1)))
struct EmbeddingsEndToEndTests {
    static let models = [
        SimulatedModel(name: "embed-small", seed: 1, answerTokens: 6),
        SimulatedModel(name: "embed-other", seed: 2, answerTokens: 6),
    ]

    static func components(
        _ simulator: ProviderSimulator,
        metrics: PoolMetrics,
        client: HTTPClient
    ) throws -> PoolComponents {
        var config = PoolConfiguration()
        var dead = ProviderConfiguration(
            name: "dead",
            kind: .openai,
            baseURL: "http://127.0.0.1:1/v1",
            model: "embed-small"
        )
        dead.embeddings = true
        var openai = ProviderConfiguration(
            name: "openai-embed",
            kind: .openai,
            baseURL: simulator.baseURL + "/v1",
            model: "embed-small"
        )
        openai.embeddings = true
        var ollama = ProviderConfiguration(
            name: "ollama-embed",
            kind: .ollama,
            baseURL: simulator.baseURL,
            model: "embed-other"
        )
        ollama.embeddings = true
        ollama.keepAlive = "10m"
        config.providers = [dead, openai, ollama]
        config.server.host = "127.0.0.1"
        config.server.httpPort = 0
        config.server.grpcPort = 0
        return try PoolComponents(
            configuration: config,
            httpClient: client,
            logger: Logger(label: "embeddings"),
            telemetry: PoolTelemetry(metrics: metrics, tracer: PoolTelemetry.makeStandalone().tracer)
        )
    }

    static func withPool(
        _ simulator: ProviderSimulator,
        metrics: PoolMetrics,
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        // The client serve uses: a refused connection fails at once instead of being retried.
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: ProviderFactory.recommendedHTTPClientConfiguration()
        )
        do {
            let components = try Self.components(simulator, metrics: metrics, client: client)
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let app = components.httpServer.application { continuation.yield($0) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.run() }
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                try await body(port)
                group.cancelAll()
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    struct Reply {
        var status: Int
        var body: [String: Any]
        var headers: HTTPHeaders
    }

    static func post(_ port: Int, _ json: String) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/embeddings")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        let body = try await response.body.collect(upTo: 1 << 20)
        let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
        return Reply(status: Int(response.status.code), body: object ?? [:], headers: response.headers)
    }

    static func vectors(_ reply: Reply) -> [[Double]] {
        (reply.body["data"] as? [[String: Any]] ?? []).map { ($0["embedding"] as? [Double]) ?? [] }
    }

    static func error(_ reply: Reply) -> [String: Any] { reply.body["error"] as? [String: Any] ?? [:] }

    @Test("OpenAI kind: fields forwarded, failover past a dead provider, deterministic vectors, cached")
    func openAIKind() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            let metrics = PoolMetrics(registry: MetricsRegistry())
            try await Self.withPool(simulator, metrics: metrics) { port in
                let json = #"{"model":"embed-small","input":["alpha","beta"],"dimensions":8,"user":"t1"}"#
                let first = try await Self.post(port, json)
                #expect(first.status == 200, "\(first.body)")
                #expect(first.body["object"] as? String == "list")
                let vectors = Self.vectors(first)
                #expect(vectors.count == 2)
                #expect(vectors.allSatisfy { $0.count == 16 })
                #expect(vectors[0] != vectors[1])
                #expect(first.headers.first(name: "x-llm-pool-provider") == "openai-embed")
                #expect(first.headers.first(name: "x-llm-pool-cache") == "miss")
                let usage = try #require(first.body["usage"] as? [String: Any])
                #expect(usage["prompt_tokens"] as? Int == 2)
                // The body reached the upstream with every field, the model the provider's.
                let sent = try #require(simulator.recentRequests().last)
                #expect(sent.endpoint == "/v1/embeddings")
                let upstream = try #require(JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any])
                #expect(upstream["dimensions"] as? Int == 8)
                #expect(upstream["user"] as? String == "t1")
                #expect(upstream["input"] as? [String] == ["alpha", "beta"])
                // The same request again: a cache hit, the upstream not asked, the same vectors.
                let second = try await Self.post(port, json)
                #expect(second.status == 200)
                #expect(second.headers.first(name: "x-llm-pool-cache") == "hit")
                #expect(Self.vectors(second) == vectors)
                #expect(simulator.stats().models["embed-small"]?.total == 1)
                // A different option is a different answer, asked upstream.
                let other = try await Self.post(
                    port,
                    #"{"model":"embed-small","input":["alpha","beta"],"dimensions":4}"#
                )
                #expect(other.headers.first(name: "x-llm-pool-cache") == "miss")
                #expect(simulator.stats().models["embed-small"]?.total == 2)
                #expect(metrics.requests.labels("openai", "embeddings", "FAILOVER", "ok").value == 3)
                #expect(metrics.providerRequests.labels("dead", "embed-small", "error").value >= 1)
                #expect(metrics.providerRequests.labels("openai-embed", "embed-small", "success").value == 2)
            }
        }
    }

    @Test("Ollama kind: /api/embed with keep_alive, base64 as OpenAI encodes it, unsupported fields refused")
    func ollamaKind() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            let metrics = PoolMetrics(registry: MetricsRegistry())
            try await Self.withPool(simulator, metrics: metrics) { port in
                let plain = try await Self.post(port, #"{"model":"ollama-embed","input":"gamma"}"#)
                #expect(plain.status == 200, "\(plain.body)")
                let vector = try #require(Self.vectors(plain).first)
                #expect(vector.count == 16)
                let sent = try #require(simulator.recentRequests().last)
                #expect(sent.endpoint == "/api/embed")
                let upstream = try #require(JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any])
                #expect(upstream["keep_alive"] as? String == "10m")
                #expect(upstream["input"] as? [String] == ["gamma"])

                let encoded = try await Self.post(
                    port,
                    #"{"model":"embed-other","input":"gamma","encoding_format":"base64"}"#
                )
                #expect(encoded.status == 200, "\(encoded.body)")
                let item = try #require((encoded.body["data"] as? [[String: Any]])?.first)
                let text = try #require(item["embedding"] as? String)
                let bytes = try #require(Data(base64Encoded: text))
                let floats = stride(from: 0, to: bytes.count, by: 4).map { offset in
                    Float(
                        bitPattern: bytes[offset..<offset + 4].enumerated().reduce(UInt32(0)) {
                            $0 | UInt32($1.element) << (8 * UInt32($1.offset))
                        }
                    )
                }
                #expect(floats.count == 16)
                for (decoded, original) in zip(floats, vector) { #expect(abs(Double(decoded) - original) < 1e-6) }

                let refused = try await Self.post(port, #"{"model":"embed-other","input":"x","frobnicate":true}"#)
                #expect(refused.status == 400)
                #expect(Self.error(refused)["param"] as? String == "frobnicate")
                let tokens = try await Self.post(port, #"{"model":"embed-other","input":[1,2,3]}"#)
                #expect(tokens.status == 400)
                #expect(Self.error(tokens)["param"] as? String == "input")
            }
        }
    }

    @Test("bad requests name the field; /v1/models lists the embedding models")
    func badInputAndModels() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            let metrics = PoolMetrics(registry: MetricsRegistry())
            try await Self.withPool(simulator, metrics: metrics) { port in
                let cases: [(String, Int, String)] = [
                    (#"{"model":"nope","input":"x"}"#, 404, "model"),
                    (#"{"input":"x"}"#, 400, "model"),
                    (#"{"model":"embed-small"}"#, 400, "input"),
                    (#"{"model":"embed-small","input":[{"a":1}]}"#, 400, "input"),
                    (#"{"model":"embed-small","input":[]}"#, 400, "input"),
                ]
                for (json, status, param) in cases {
                    let reply = try await Self.post(port, json)
                    #expect(reply.status == status, "\(json): \(reply.body)")
                    #expect(Self.error(reply)["param"] as? String == param, "\(json): \(reply.body)")
                }
                #expect(simulator.stats().models["embed-small"]?.total == 0)
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/models")
                request.method = .GET
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                let body = try await response.body.collect(upTo: 1 << 20)
                let list = try #require(JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
                let ids = (list["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                #expect(ids.contains("embed-small"))
                #expect(ids.contains("embed-other"))
            }
        }
    }
}
