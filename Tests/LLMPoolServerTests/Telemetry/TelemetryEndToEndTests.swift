import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LLMPoolCore
import LLMPoolObservability
import LLMPoolServer
import LLMPoolTesting
import Logging
import NIOCore
import Synchronization
import Testing
import Tracing

/// Keeps every finished span, for assertions on the span tree.
final class SpanCapture: SpanProcessor {
    private let captured = Mutex<[FinishedSpan]>([])
    var spans: [FinishedSpan] { captured.withLock { $0 } }
    func onEnd(_ span: FinishedSpan) { captured.withLock { $0.append(span) } }
}

/// One request through the HTTP front door, then `/metrics` and the recorded spans: the
/// catalogue is filled, exemplars carry the caller's trace id, and the span tree is complete.
@Suite("Telemetry end to end", .timeLimit(.minutes(1)))
struct TelemetryEndToEndTests {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let callerSpanID = "00f067aa0ba902b7"

    struct Fixture {
        let app: any ApplicationProtocol
        let capture: SpanCapture
        let telemetry: PoolTelemetry
        let providers: [ScriptedProvider]
    }

    static func fixture(slo: Bool = true) throws -> Fixture {
        let providers = [
            ScriptedProvider(
                name: "phi3-mini",
                model: "phi3:mini",
                behaviour: .answer("alpha beta", delay: .milliseconds(5))
            ),
            ScriptedProvider(
                name: "gemma2-9b",
                model: "gemma2:9b",
                behaviour: .answer("gamma", delay: .milliseconds(400))
            ),
        ]
        var config = try HTTPTestSupport.configuration(providers)
        config.slos = [
            ServiceLevelObjective(
                task: "expand_queries",
                availabilityTarget: 0.99,
                latencyThreshold: .seconds(1),
                latencyTarget: 0.9
            )
        ]
        let capture = SpanCapture()
        let registry = MetricsRegistry()
        let metrics = PoolMetrics(registry: registry)
        metrics.seed(for: config)
        let tracker = SLOTracker(objectives: config.slos)
        tracker.export(burnRate: metrics.sloBurnRate, budgetRemaining: metrics.sloErrorBudgetRemaining, on: registry)
        let telemetry = PoolTelemetry(
            metrics: metrics,
            tracer: try SpanRecorder(configuration: .defaults, processors: [capture]),
            slo: tracker
        )
        let components = try TestPool.components(config, providers: providers, telemetry: telemetry)
        let server = components.httpServer
        return Fixture(
            app: Application(router: server.router()),
            capture: capture,
            telemetry: telemetry,
            providers: providers
        )
    }

    @Test("a traced request fills the catalogue, links exemplars to its trace and records the span tree")
    func requestIsMeasuredAndTraced() async throws {
        let fixture = try Self.fixture()
        try await fixture.app.test(.router) { client in
            let body = HTTPTestSupport.json(["task": "expand_queries", "input": "swift web frameworks"])
            let traceparent = "00-\(Self.traceID)-\(Self.callerSpanID)-01"
            try await client.execute(
                uri: "/v1/infer",
                method: .post,
                headers: [.contentType: "application/json", HTTPField.Name("traceparent")!: traceparent],
                body: body
            ) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(
                uri: "/v1/infer",
                method: .post,
                headers: [.contentType: "application/json"],
                body: HTTPTestSupport.json(["task": "nope", "input": "x"])
            ) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = String(buffer: response.body)
                #expect(
                    text.contains(
                        #"llm_pool_requests_total{api="http",task="expand_queries",strategy="FASTEST",code="ok"} 1"#
                    )
                )
                #expect(
                    text.contains(
                        #"llm_pool_requests_total{api="http",task="unknown",strategy="none",code="not_found"} 1"#
                    )
                )
                #expect(
                    text.contains(
                        #"llm_pool_provider_requests_total{provider="phi3-mini",model="phi3:mini",outcome="success"} 1"#
                    )
                )
                #expect(
                    text.contains(
                        #"llm_pool_tokens_total{provider="phi3-mini",model="phi3:mini",type="output",source="reported"}"#
                    )
                )
                #expect(
                    text.contains(
                        #"llm_pool_provider_latency_seconds_count{provider="phi3-mini",model="phi3:mini",task="expand_queries"} 1"#
                    )
                )
                #expect(
                    text.contains(
                        #"llm_pool_request_duration_seconds_count{api="http",task="expand_queries",strategy="FASTEST"} 1"#
                    )
                )
                #expect(text.contains(#"llm_pool_cache_requests_total{backend="memory",result="miss"} 1"#))
                #expect(text.contains(#"llm_pool_inflight_requests{api="http"} 0"#))
                #expect(text.contains(#"llm_pool_slo_burn_rate{slo="expand_queries:availability",window="5m"} 0"#))
                #expect(
                    text.contains(
                        #"gen_ai_client_operation_duration_seconds_count{gen_ai_operation_name="chat",gen_ai_system="scripted","#
                            + #"gen_ai_request_model="phi3:mini",gen_ai_response_model="phi3:mini",error_type=""} 1"#
                    )
                )
                #expect(
                    text.contains(
                        #"gen_ai_client_token_usage_count{gen_ai_operation_name="chat",gen_ai_system="scripted","#
                            + #"gen_ai_request_model="phi3:mini",gen_ai_response_model="phi3:mini",gen_ai_token_type="input"} 1"#
                    )
                )
                #expect(text.contains("llm_pool_build_info{version="))
                #expect(!text.contains("# {"), "the 0.0.4 text format has no exemplars")
            }
            try await client.execute(
                uri: "/metrics",
                method: .get,
                headers: [.accept: "application/openmetrics-text; version=1.0.0"]
            ) { response in
                #expect(response.headers[.contentType]?.hasPrefix("application/openmetrics-text") == true)
                let text = String(buffer: response.body)
                let exemplarLines = text.split(separator: "\n").filter {
                    $0.hasPrefix("llm_pool_request_duration_seconds_bucket") && $0.contains(#"task="expand_queries""#)
                        && $0.contains("# {")
                }
                #expect(exemplarLines.count == 1)
                #expect(exemplarLines.first?.contains(#"trace_id="\#(Self.traceID)""#) == true)
                #expect(text.hasSuffix("# EOF\n"))
            }
        }

        let spans = fixture.capture.spans
        let traced = spans.filter { $0.context.traceID.hex == Self.traceID }
        let server = try #require(traced.first { $0.kind == .server })
        #expect(server.name == "POST /v1/infer")
        #expect(server.parentSpanID?.hex == Self.callerSpanID)
        #expect(server.parentIsRemote)
        let children = traced.filter { $0.parentSpanID == server.context.spanID }.map(\.name)
        #expect(Set(children) == ["validate", "route", "cache", "strategy FASTEST"])
        let strategy = try #require(traced.first { $0.name == "strategy FASTEST" })
        let client = try #require(traced.first { $0.kind == .client && $0.name == "chat phi3:mini" })
        #expect(client.parentSpanID == strategy.context.spanID)
        #expect(client.attributes["gen_ai.operation.name"]?.toSpanAttribute() == .string("chat"))
        #expect(client.attributes["gen_ai.request.model"]?.toSpanAttribute() == .string("phi3:mini"))
        #expect(client.attributes["gen_ai.response.model"]?.toSpanAttribute() == .string("phi3:mini"))
        #expect(client.attributes["gen_ai.system"]?.toSpanAttribute() == .string("scripted"))
        #expect(client.attributes["server.address"]?.toSpanAttribute() == .string("in-process"))
        #expect(client.attributes["gen_ai.usage.output_tokens"] != nil)

        // The provider was called with our client span as the upstream parent.
        let sent = try #require(fixture.providers[0].requests.first)
        #expect(sent.headers["traceparent"] == "00-\(Self.traceID)-\(client.context.spanID.hex)-01")
    }

    @Test("a failed provider call marks its span and is counted by outcome; the SLO burns")
    func failuresAreCounted() async throws {
        let fixture = try Self.fixture()
        fixture.providers[0].setBehaviour(.fail(PoolError(code: .upstreamFailed, message: "boom"), delay: .zero))
        fixture.providers[1].setBehaviour(.fail(PoolError(code: .upstreamFailed, message: "boom"), delay: .zero))
        try await fixture.app.test(.router) { client in
            try await client.execute(
                uri: "/v1/infer",
                method: .post,
                headers: [.contentType: "application/json"],
                body: HTTPTestSupport.json(["task": "expand_queries", "input": "q"])
            ) { response in
                #expect(response.status == .badGateway)
            }
        }
        let text = fixture.telemetry.metrics.registry.render()
        #expect(
            text.contains(
                #"llm_pool_requests_total{api="http",task="expand_queries",strategy="FASTEST",code="upstream_failed"} 1"#
            )
        )
        #expect(
            text.contains(
                #"llm_pool_provider_requests_total{provider="phi3-mini",model="phi3:mini",outcome="error"} 1"#
            )
        )
        let burn = try #require(
            fixture.telemetry.slo?.burnRate(task: "expand_queries", indicator: .availability, window: .seconds(300))
        )
        #expect(abs(burn - 100) < 1e-6, "one failure out of one request burns a 1% budget 100 times over")
        let failed = fixture.capture.spans.filter { $0.kind == .client }
        #expect(failed.count == 2)
        #expect(failed.allSatisfy { $0.status?.code == .error })
    }
}
