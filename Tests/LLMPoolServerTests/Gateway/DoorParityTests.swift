import Foundation
import GRPCCore
import GRPCInProcessTransport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LLMPoolCore
import LLMPoolObservability
import LLMPoolProto
import LLMPoolServer
import LLMPoolTesting
import Logging
import NIOCore
import SwiftProtobuf
import Testing
import Tracing

/// The same request through every front door — HTTP, SSE, gRPC unary and gRPC stream — goes
/// through one pipeline: the same log line fields, span tree, metric labels and rate-limit
/// accounting, a failed stream's refund included.
@Suite("One pipeline for every door", .timeLimit(.minutes(1)))
struct DoorParityTests {
    enum Door: String, CaseIterable, Sendable {
        case http, sse, grpc, grpcStream

        var api: String { self == .http || self == .sse ? "http" : "grpc" }
        var streaming: Bool { self == .sse || self == .grpcStream }
    }

    /// What one request left behind.
    struct Trace: Sendable {
        var log: Logger.Metadata
        var spans: [String]
        var requestsOK: Double
        var requestsFailed: Double
        var estimates: [Int]
        var adjustments: [Int]
    }

    static let input = "12345678"

    static func run(_ door: Door, failing: Bool) async throws -> Trace {
        let provider = ScriptedProvider(
            name: "a",
            behaviour: failing
                ? .fail(PoolError(code: .unavailable, message: "down"), delay: .zero)
                : .answer("one two three", delay: .zero)
        )
        var config = try SecurityTestSupport.configuration(
            [provider],
            rateLimits: .init(enabled: true, requestsPerMinute: 100, tokensPerMinute: 10_000)
        )
        config.cache.enabled = false
        let capture = SpanCapture()
        let metrics = PoolMetrics(registry: MetricsRegistry())
        let telemetry = PoolTelemetry(
            metrics: metrics,
            tracer: try SpanRecorder(configuration: .defaults, processors: [capture])
        )
        let log = RecordingLogHandler.Storage()
        let limiter = RecordingLimiter()
        let components = try TestPool.components(
            config,
            providers: [provider],
            telemetry: telemetry,
            rateLimiter: limiter,
            logger: Logger(label: "parity") { _ in RecordingLogHandler(storage: log) }
        )
        switch door {
        case .http, .sse: try await http(door, components)
        case .grpc, .grpcStream: try await grpc(door, components)
        }
        let entry = try #require(log.all.last { $0.message == "request" && $0.metadata["operation"] != nil })
        let server = try #require(capture.spans.first { $0.kind == .server })
        let below = capture.spans.filter { $0.context.traceID == server.context.traceID && $0.kind != .server }
        let strategy = "FASTEST"
        let task = "expand_queries"
        return Trace(
            log: entry.metadata,
            spans: below.map(\.name).sorted(),
            requestsOK: metrics.requests.labels(door.api, task, strategy, "ok").value,
            requestsFailed: metrics.requests.labels(door.api, task, strategy, "unavailable").value,
            estimates: limiter.acquired.map(\.estimate),
            adjustments: limiter.adjustments
        )
    }

    static func http(_ door: Door, _ components: PoolComponents) async throws {
        let body = #"{"task":"expand_queries","input":"\#(input)","tenant":"team-x"}"#
        try await Application(router: components.httpServer.router()).test(.router) { client in
            try await client.execute(
                uri: door == .sse ? "/v1/infer/stream" : "/v1/infer",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: body)
            ) { _ in }
        }
    }

    static func grpc(_ door: Door, _ components: PoolComponents) async throws {
        let transport = InProcessTransport()
        let server = GRPCServer(
            transport: transport.server,
            services: components.grpcServices(),
            interceptors: components.grpcInterceptors
        )
        let query = Vvtv_Llmpool_V1_Query.with {
            $0.task = "expand_queries"
            $0.input = input
            $0.tenant = "team-x"
        }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            try await withGRPCClient(transport: transport.client) { client in
                let pool = Vvtv_Llmpool_V1_LlmPool.Client(wrapping: client)
                if door == .grpc {
                    _ = try? await pool.infer(query)
                } else {
                    try? await pool.inferStream(query) { response in
                        for try await _ in response.messages {}
                    }
                }
            }
            server.beginGracefulShutdown()
        }
    }

    static let sharedFields = [
        "task", "tenant", "code", "model", "provider", "strategy", "cache", "input_tokens",
        "output_tokens", "stream",
    ]

    @Test("an answered request", arguments: [(Door.http, Door.grpc), (Door.sse, Door.grpcStream)])
    func answered(pair: (Door, Door)) async throws {
        let (one, other) = (try await Self.run(pair.0, failing: false), try await Self.run(pair.1, failing: false))
        #expect(Set(one.log.keys) == Set(other.log.keys))
        for field in Self.sharedFields {
            #expect(one.log[field]?.description == other.log[field]?.description, "\(field)")
        }
        #expect(one.log["tenant"]?.description == "team-x")
        #expect(one.log["code"]?.description == "ok")
        #expect(one.log["stream"]?.description == "\(pair.0.streaming)")
        #expect(one.spans == other.spans)
        #expect(one.spans.contains { $0.hasPrefix("strategy FASTEST") })
        #expect(one.requestsOK == 1 && other.requestsOK == 1)
        // Estimate: 8 bytes / 4 + 32 (the task's max_tokens); corrected to the answer's usage.
        #expect(one.estimates == [34] && other.estimates == [34])
        #expect(one.adjustments == other.adjustments)
        #expect(one.adjustments.count == 1)
    }

    @Test("a failed request is refunded", arguments: [(Door.http, Door.grpc), (Door.sse, Door.grpcStream)])
    func failed(pair: (Door, Door)) async throws {
        let (one, other) = (try await Self.run(pair.0, failing: true), try await Self.run(pair.1, failing: true))
        #expect(Set(one.log.keys) == Set(other.log.keys))
        #expect(one.log["code"]?.description == "unavailable")
        #expect(other.log["code"]?.description == "unavailable")
        #expect(one.spans == other.spans)
        #expect(one.requestsFailed == 1 && other.requestsFailed == 1)
        #expect(one.adjustments == [-34] && other.adjustments == [-34])
    }
}
