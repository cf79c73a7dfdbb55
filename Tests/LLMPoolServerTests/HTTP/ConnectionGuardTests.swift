import AsyncHTTPClient
import Foundation
import LLMPoolCore
import LLMPoolObservability
import LLMPoolServer
import LLMPoolSimulator
import Logging
import NIOCore
import ServiceLifecycle
import Testing

/// What the HTTP door does with connections real clients leave in odd states, over raw sockets
/// through the real assembly: idle and half-sent connections are closed and counted,
/// `Expect: 100-continue` is answered at once, and a client that leaves while the upstream is
/// silent cancels the upstream call.
@Suite("HTTP connections: timeouts, 100-continue, clients leaving", .timeLimit(.minutes(1)))
struct ConnectionGuardTests {
    static let model = SimulatedModel(name: "m", seed: 1, answerTokens: 4)

    static func withPool(
        _ simulator: ProviderSimulator,
        metrics: PoolMetrics,
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        var config = PoolConfiguration()
        config.providers = [ProviderConfiguration(name: "m", kind: .ollama, baseURL: simulator.baseURL, model: "m")]
        config.tasks["talk"] = TaskConfiguration(
            name: "talk",
            providers: ["m"],
            promptPath: "x.md",
            template: try PromptTemplate(source: "{{input}}"),
            maxTokens: 4
        )
        config.cache.enabled = false
        config.qos.defaultDeadline = .seconds(30)
        config.server.host = "127.0.0.1"
        config.server.httpPort = 0
        config.server.grpcPort = 0
        config.server.idleTimeout = .milliseconds(400)
        config.server.readTimeout = .milliseconds(500)
        let components = try PoolComponents(
            configuration: config,
            httpClient: HTTPClient.shared,
            logger: Logger(label: "connections"),
            telemetry: PoolTelemetry(metrics: metrics, tracer: PoolTelemetry.makeStandalone().tracer)
        )
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

    static func closes(_ metrics: PoolMetrics, _ reason: String) -> Double {
        metrics.httpConnectionsClosed.labels(reason).value
    }

    static let body = #"{"task":"talk","input":"hello"}"#

    @Test("an idle connection and one with half a header are closed after idle_timeout_ms, counted")
    func idle() async throws {
        try await ProviderSimulator.withRunning(models: [Self.model]) { simulator in
            let metrics = PoolMetrics(registry: MetricsRegistry())
            try await Self.withPool(simulator, metrics: metrics) { port in
                let idle = try await RawHTTPConnection.connect(port: port)
                let half = try await RawHTTPConnection.connect(port: port)
                try await half.send("POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-")
                #expect(try await idle.read(within: .seconds(5)).closed)
                #expect(try await half.read(within: .seconds(5)).closed)
                #expect(Self.closes(metrics, "idle") == 2)
                // A connection that keeps asking stays open between its requests.
                let busy = try await RawHTTPConnection.connect(port: port)
                try await busy.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                let first = try await busy.read(until: "\r\n\r\n", within: .seconds(5))
                #expect(first.text.hasPrefix("HTTP/1.1 200"))
                #expect(!first.closed)
                try await busy.close()
            }
        }
    }

    @Test("a body that stops arriving is closed after read_timeout_ms, counted")
    func halfSentBody() async throws {
        try await ProviderSimulator.withRunning(models: [Self.model]) { simulator in
            let metrics = PoolMetrics(registry: MetricsRegistry())
            try await Self.withPool(simulator, metrics: metrics) { port in
                let connection = try await RawHTTPConnection.connect(port: port)
                try await connection.send(
                    "POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"ta"
                )
                let started = ContinuousClock.now
                #expect(try await connection.read(within: .seconds(5)).closed)
                #expect(started.duration(to: .now) < .seconds(3))
                #expect(Self.closes(metrics, "read_timeout") == 1)
                #expect(simulator.stats().models["m"]?.total == 0)
            }
        }
    }

    @Test("Expect: 100-continue is answered before the body is sent")
    func expectContinue() async throws {
        try await ProviderSimulator.withRunning(models: [Self.model]) { simulator in
            let metrics = PoolMetrics(registry: MetricsRegistry())
            try await Self.withPool(simulator, metrics: metrics) { port in
                let connection = try await RawHTTPConnection.connect(port: port)
                try await connection.send(
                    "POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: \(Self.body.utf8.count)\r\nExpect: 100-continue\r\n\r\n"
                )
                let interim = try await connection.read(until: "\r\n\r\n", within: .seconds(2))
                #expect(interim.text.hasPrefix("HTTP/1.1 100 Continue"), "\(interim.text)")
                try await connection.send(Self.body)
                let final = try await connection.read(until: "\"text\"", within: .seconds(10))
                #expect(final.text.contains("HTTP/1.1 200 OK"), "\(final.text)")
                try await connection.close()
            }
        }
    }

    @Test("a client that leaves while the upstream hangs cancels the upstream call at once", arguments: [false, true])
    func clientLeavesSilentUpstream(streamed: Bool) async throws {
        try await ProviderSimulator.withRunning(models: [Self.model]) { simulator in
            try simulator.setFaults(.init(hang: true), for: "m")
            let metrics = PoolMetrics(registry: MetricsRegistry())
            try await Self.withPool(simulator, metrics: metrics) { port in
                let connection = try await RawHTTPConnection.connect(port: port)
                let path = streamed ? "/v1/infer/stream" : "/v1/infer"
                try await connection.send(
                    "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: \(Self.body.utf8.count)\r\n\r\n\(Self.body)"
                )
                _ = try await simulator.waitForStats { $0.models["m"]?.total ?? 0 >= 1 }
                let left = ContinuousClock.now
                try await connection.close()
                let stats = try await simulator.waitForStats { $0.models["m"]?.cancelled ?? 0 >= 1 }
                #expect(stats.models["m"]?.cancelled == 1)
                // Well within the 30 s deadline: the pool noticed the client leave.
                #expect(left.duration(to: .now) < .seconds(2))
                #expect(Self.closes(metrics, "client_gone") == 1)
                #expect(metrics.requests.labels("http", "talk", "FASTEST", "cancelled").value == 1)
            }
        }
    }
}
