import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LLMPoolCore
import LLMPoolObservability
import LLMPoolServer
import LLMPoolTesting
import NIOCore
import Testing

/// `/console`, `/v1/admin/state`, `/v1/admin/decisions` and `/v1/admin/events` over the pool
/// `serve` builds (``TestPool``), on a manual clock.
@Suite("Console endpoints")
struct ConsoleEndpointsTests {
    static let traceID = "0af7651916cd43dd8448eb211c80319c"
    static let traceparent = "00-\(traceID)-b7ad6b7169203331-01"

    struct Pool {
        let components: PoolComponents
        let clock: ManualPoolClock
        var app: some ApplicationProtocol { Application(router: components.httpServer.router()) }
    }

    static func pool(
        _ providers: [ScriptedProvider],
        edit: (inout PoolConfiguration) -> Void = { _ in }
    ) throws -> Pool {
        var config = try HTTPTestSupport.configuration(providers)
        config.cache.enabled = false
        edit(&config)
        let clock = ManualPoolClock()
        // The telemetry `serve` makes: the SLO tracker of `[slo.*]` included.
        let telemetry = try PoolTelemetry.make(configuration: config, environment: [:])
        return Pool(
            components: try TestPool.components(config, providers: providers, telemetry: telemetry, clock: clock),
            clock: clock
        )
    }

    static func infer(_ client: some TestClientProtocol, input: String = "swift", traced: Bool = false) async throws {
        var headers: HTTPFields = [.contentType: "application/json"]
        if traced { headers[HTTPField.Name("traceparent")!] = traceparent }
        try await client.execute(
            uri: "/v1/infer",
            method: .post,
            headers: headers,
            body: ByteBuffer(string: #"{"task":"expand_queries","input":"\#(input)"}"#)
        ) { _ in }
    }

    static func json(_ client: some TestClientProtocol, _ uri: String) async throws -> [String: Any] {
        try await client.execute(uri: uri, method: .get) { response in
            #expect(response.status == .ok, "\(uri)")
            #expect(response.headers[.contentType] == "application/json")
            return try HTTPTestSupport.object(response.body)
        }
    }

    @Test("the state has the documented shape, and its numbers follow the requests")
    func stateShape() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("one two", delay: .zero))
        let b = ScriptedProvider(name: "b", behaviour: .answer("three", delay: .zero))
        let pool = try Self.pool([a, b]) { config in
            config.slos = [ServiceLevelObjective(task: "expand_queries")]
        }
        try await pool.app.test(.router) { client in
            for _ in 0..<3 { try await Self.infer(client) }
            let state = try await Self.json(client, "/v1/admin/state")
            #expect(state["version"] as? Int == 1)
            for key in [
                "generated_at", "uptime_seconds", "pool", "providers", "latency_bucket_bounds_ms", "slos",
                "configuration", "console",
            ] {
                #expect(state[key] != nil, "missing \(key)")
            }
            let poolPart = try #require(state["pool"] as? [String: Any])
            #expect(poolPart["requests_total"] as? Double == 3)
            #expect(poolPart["server_errors_total"] as? Double == 0)
            #expect(poolPart["error_ratio"] as? Double == 0)
            let latency = try #require(poolPart["latency"] as? [[String: Any]])
            let row = try #require(latency.first { $0["task"] as? String == "expand_queries" })
            #expect(row["api"] as? String == "http")
            #expect(row["p50_ms"] is Double && row["p95_ms"] is Double && row["p99_ms"] is Double)
            let providers = try #require(state["providers"] as? [[String: Any]])
            #expect(providers.map { $0["name"] as? String } == ["a", "b"])
            let first = providers[0]
            #expect(first["model"] as? String == "a-model")
            let breaker = try #require(first["breaker"] as? [String: Any])
            #expect(breaker["state"] as? String == "closed")
            #expect((breaker["history"] as? [Any])?.isEmpty == true)
            let buckets = try #require(first["latency_buckets"] as? [Int])
            #expect(buckets.count == (state["latency_bucket_bounds_ms"] as? [Double])!.count + 1)
            #expect(buckets.reduce(0, +) == 3, "a answered the three requests first")
            #expect((first["hedge_delay_ms"] as? [[String: Any]])?.first?["task"] as? String == "expand_queries")
            let slos = try #require(state["slos"] as? [[String: Any]])
            #expect(slos.map { $0["slo"] as? String } == ["expand_queries:availability", "expand_queries:latency"])
            let windows = try #require(slos.first?["windows"] as? [[String: Any]])
            #expect(windows.map { $0["window"] as? String } == ["5m", "30m", "1h", "6h"])
            #expect(windows.map { $0["threshold"] as? Double } == [14.4, 6, 14.4, 6])
            // The typed shape decodes what was sent.
            let data = try JSONSerialization.data(withJSONObject: state)
            let typed = try ConsoleStateBuilder.decoder.decode(ConsoleState.self, from: data)
            #expect(typed.providers.map(\.name) == ["a", "b"])
        }
    }

    @Test("breaker transitions appear in the state with their age on the injected clock")
    func breakerHistory() async throws {
        let a = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .upstreamFailed, message: "boom"), delay: .zero)
        )
        let pool = try Self.pool([a]) { config in
            config.qos.circuitBreaker.consecutiveFailures = 2
            config.qos.retry.enabled = false
        }
        try await pool.app.test(.router) { client in
            for _ in 0..<2 { try await Self.infer(client) }
            pool.clock.advance(by: .milliseconds(1500))
            let state = try await Self.json(client, "/v1/admin/state")
            let providers = try #require(state["providers"] as? [[String: Any]])
            let breaker = try #require(providers[0]["breaker"] as? [String: Any])
            #expect(breaker["state"] as? String == "open")
            let history = try #require(breaker["history"] as? [[String: Any]])
            #expect(history.count == 1)
            #expect(history.first?["from"] as? String == "closed")
            #expect(history.first?["to"] as? String == "open")
            #expect(history.first?["ago_ms"] as? Double == 1500)
            let poolPart = try #require(state["pool"] as? [String: Any])
            #expect(poolPart["server_errors_total"] as? Double == 2)
            #expect(poolPart["error_ratio"] as? Double == 1)
        }
    }

    @Test("a request's decision is listed with its trace id and candidates, without its input")
    func decisions() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("one", delay: .zero))
        let pool = try Self.pool([a])
        try await pool.app.test(.router) { client in
            try await Self.infer(client, input: "secret prompt", traced: true)
            try await Self.infer(client, input: "second")
            let body = try await Self.json(client, "/v1/admin/decisions?limit=5")
            #expect(body["version"] as? Int == 1)
            #expect(body["capacity"] as? Int == 200)
            #expect(body["total"] as? Int == 2)
            let decisions = try #require(body["decisions"] as? [[String: Any]])
            #expect(decisions.map { $0["sequence"] as? Int } == [2, 1])
            let traced = decisions[1]
            #expect(traced["trace_id"] as? String == Self.traceID)
            #expect(traced["trace_url"] == nil)
            #expect(traced["task"] as? String == "expand_queries")
            #expect(traced["strategy"] as? String == "FASTEST")
            #expect(traced["code"] as? String == "ok")
            #expect(traced["winner"] as? String == "a")
            #expect(traced["input"] == nil)
            let candidates = try #require(traced["candidates"] as? [[String: Any]])
            #expect(candidates.map { $0["outcome"] as? String } == ["won"])
            let after = try await Self.json(client, "/v1/admin/decisions?after=1")
            #expect((after["decisions"] as? [[String: Any]])?.count == 1)
            try await client.execute(uri: "/v1/admin/decisions", method: .get) { response in
                #expect(!String(buffer: response.body).contains("secret prompt"))
            }
        }
    }

    @Test("show_inputs keeps the input; trace_link makes the trace URL")
    func inputsAndLinks() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("one", delay: .zero))
        let pool = try Self.pool([a]) { config in
            config.console.showInputs = true
            config.console.traceLink = "http://jaeger:16686/trace/{trace_id}"
        }
        try await pool.app.test(.router) { client in
            try await Self.infer(client, input: "shown", traced: true)
            let body = try await Self.json(client, "/v1/admin/decisions")
            let decision = try #require((body["decisions"] as? [[String: Any]])?.first)
            #expect(decision["input"] as? String == "shown")
            #expect(decision["trace_url"] as? String == "http://jaeger:16686/trace/\(Self.traceID)")
        }
    }

    @Test("secrets in the configuration are redacted")
    func redaction() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("one", delay: .zero))
        let pool = try Self.pool([a]) { config in
            config.tracing.headers = ["authorization": "Bearer s3cr3t-token"]
            config.providers[0].baseURL = "http://user:pa55word@127.0.0.1:1"
        }
        try await pool.app.test(.router) { client in
            try await client.execute(uri: "/v1/admin/state", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(!text.contains("s3cr3t-token") && !text.contains("pa55word"))
                let state = try HTTPTestSupport.object(response.body)
                let entries = try #require(state["configuration"] as? [[String: String]])
                let values = Dictionary(entries.map { ($0["key"]!, $0["value"]!) }, uniquingKeysWith: { $1 })
                #expect(values["tracing.headers.authorization"] == "[redacted]")
                #expect(values["providers[0].base_url"] == "http://[redacted]@127.0.0.1:1")
                #expect(values["tasks.expand_queries.strategy"] == "FASTEST")
            }
        }
    }

    @Test("the page is self-contained; the event stream sends the state and new decisions")
    func pageAndEvents() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("one", delay: .zero))
        let pool = try Self.pool([a])
        try await pool.app.test(.router) { client in
            try await client.execute(uri: "/console", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let html = String(buffer: response.body)
                #expect(html.contains(#"<canvas id="heatmap""#) && html.contains("/v1/admin/events"))
                #expect(!html.contains("src=\"http") && !html.contains("href=\"http"), "nothing fetched elsewhere")
            }
            try await Self.infer(client)
            try await client.execute(uri: "/v1/admin/events?count=1", method: .get) { response in
                #expect(response.headers[.contentType] == "text/event-stream")
                let text = String(buffer: response.body)
                #expect(text.contains("event: state\ndata: {"))
                #expect(text.contains("event: decisions\ndata: [{"))
            }
        }
    }

    @Test("console.enabled = false: no routes, no decisions recorded")
    func disabled() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("one", delay: .zero))
        let pool = try Self.pool([a]) { $0.console.enabled = false }
        #expect(pool.components.gateway.decisions == nil)
        try await pool.app.test(.router) { client in
            try await Self.infer(client)
            for path in ["/console", "/v1/admin/state", "/v1/admin/decisions", "/v1/admin/events"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .notFound, "\(path)")
                }
            }
        }
    }

    @Test("protected like /metrics", arguments: [false, true])
    func protected(_ protect: Bool) async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("one", delay: .zero))
        let pool = try Self.pool([a]) { config in
            config.security = SecurityTestSupport.security(protectMetrics: protect)
        }
        try await pool.app.test(.router) { client in
            for path in ["/console", "/v1/admin/state", "/v1/admin/decisions"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == (protect ? .unauthorized : .ok), "\(path)")
                }
            }
        }
    }
}
