import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LLMPoolCore
import LLMPoolObservability
import LLMPoolServer
import LLMPoolTesting
import Logging
import NIOCore
import Testing

@Suite("Guards swapped by a reload")
struct ReloadableGuardsTests {
    static let body = #"{"task":"expand_queries","input":"swift"}"#

    @Test("turning authentication and rate limits on and off takes effect for the next request")
    func swap() async throws {
        let metrics = PoolMetrics(registry: MetricsRegistry())
        let provider = ScriptedProvider(name: "a", behaviour: .answer("one two", delay: .zero))
        let open = try SecurityTestSupport.configuration([provider])
        let components = try TestPool.components(
            open,
            providers: [provider],
            telemetry: SecurityTestSupport.telemetry(metrics)
        )
        let holder = components.guardsHolder
        let server = components.httpServer
        let logger = Logger(label: "test")

        try await Application(router: server.router()).test(.router) { client in
            let plain: HTTPFields = [.contentType: "application/json"]
            try await client.execute(
                uri: "/v1/infer",
                method: .post,
                headers: plain,
                body: ByteBuffer(string: Self.body)
            ) { response in
                #expect(response.status == .ok)
            }
            // Authentication on: the same request is refused, a signed one served.
            let secured = try SecurityTestSupport.configuration([provider], security: SecurityTestSupport.security())
            try holder.reload(configuration: secured, redisLimiter: nil, metrics: metrics, logger: logger)
            try await client.execute(
                uri: "/v1/infer",
                method: .post,
                headers: plain,
                body: ByteBuffer(string: Self.body)
            ) { response in
                #expect(response.status == .unauthorized)
            }
            let signed = SecurityTestSupport.signedHeaders(path: "/v1/infer", body: Self.body)
            try await client.execute(
                uri: "/v1/infer",
                method: .post,
                headers: signed,
                body: ByteBuffer(string: Self.body)
            ) { response in
                #expect(response.status == .ok)
            }
            // Authentication off, a limit of two requests a minute on.
            var limited = RateLimitConfiguration.defaults
            limited.enabled = true
            limited.requestsPerMinute = 2
            try holder.reload(
                configuration: try SecurityTestSupport.configuration([provider], rateLimits: limited),
                redisLimiter: nil,
                metrics: metrics,
                logger: logger
            )
            var statuses: [UInt] = []
            for _ in 0..<3 {
                try await client.execute(
                    uri: "/v1/infer",
                    method: .post,
                    headers: plain,
                    body: ByteBuffer(string: Self.body)
                ) { response in
                    statuses.append(UInt(response.status.code))
                }
            }
            #expect(statuses == [200, 200, 429])
            // A reload that keeps the in-memory backend keeps the tenant's usage.
            limited.requestsPerMinute = 3
            try holder.reload(
                configuration: try SecurityTestSupport.configuration([provider], rateLimits: limited),
                redisLimiter: nil,
                metrics: metrics,
                logger: logger
            )
            statuses = []
            for _ in 0..<2 {
                try await client.execute(
                    uri: "/v1/infer",
                    method: .post,
                    headers: plain,
                    body: ByteBuffer(string: Self.body)
                ) { response in
                    statuses.append(UInt(response.status.code))
                }
            }
            #expect(statuses == [200, 429], "two requests were already counted in this minute")
        }
    }
}
