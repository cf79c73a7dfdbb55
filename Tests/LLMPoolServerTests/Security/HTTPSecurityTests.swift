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

@Suite("HTTP authentication and rate limits")
struct HTTPSecurityTests {
    static let inferBody = #"{"task":"expand_queries","input":"swift"}"#
    static let chatBody = #"{"model":"pool/expand_queries","messages":[{"role":"user","content":"swift"}]}"#

    static func provider() -> ScriptedProvider {
        ScriptedProvider(name: "a", behaviour: .answer("one two", delay: .zero))
    }

    static func error(_ response: TestResponse) throws -> [String: Any] {
        try #require(try HTTPTestSupport.object(response.body)["error"] as? [String: Any])
    }

    @Test("an HMAC-signed request is served; unsigned, tampered and replayed ones get 401 in the OpenAI shape")
    func hmac() async throws {
        let metrics = PoolMetrics(registry: MetricsRegistry())
        try await SecurityTestSupport.app([Self.provider()], security: SecurityTestSupport.security(), metrics: metrics)
            .test(.router) { client in
                let signed = SecurityTestSupport.signedHeaders(
                    path: "/v1/infer",
                    body: Self.inferBody,
                    nonce: "nonce-1"
                )
                try await client.execute(
                    uri: "/v1/infer",
                    method: .post,
                    headers: signed,
                    body: ByteBuffer(string: Self.inferBody)
                ) { response in
                    #expect(response.status == .ok)
                    try #expect(HTTPTestSupport.object(response.body)["text"] as? String == "one two")
                }
                // The same headers again: the nonce was used.
                try await client.execute(
                    uri: "/v1/infer",
                    method: .post,
                    headers: signed,
                    body: ByteBuffer(string: Self.inferBody)
                ) { response in
                    #expect(response.status == .unauthorized)
                    try #expect(Self.error(response)["message"] as? String == "nonce already used")
                }
                let tampered = SecurityTestSupport.signedHeaders(path: "/v1/infer", body: Self.inferBody)
                try await client.execute(
                    uri: "/v1/infer",
                    method: .post,
                    headers: tampered,
                    body: ByteBuffer(string: #"{"task":"expand_queries","input":"rust"}"#)
                ) { response in
                    #expect(response.status == .unauthorized)
                    try #expect(Self.error(response)["message"] as? String == "signature mismatch")
                }
                try await client.execute(
                    uri: "/v1/infer",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: Self.inferBody)
                ) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.init("X-Request-Id")!] != nil)
                    let error = try Self.error(response)
                    #expect(error["type"] as? String == "authentication_error")
                    #expect(error["code"] as? String == "unauthenticated")
                    #expect((error["message"] as? String)?.hasPrefix("missing credentials") == true)
                }
            }
        #expect(SecurityTestSupport.counter(metrics.authFailures, "http", "replayed_nonce") == 1)
        #expect(SecurityTestSupport.counter(metrics.authFailures, "http", "bad_signature") == 1)
        #expect(SecurityTestSupport.counter(metrics.authFailures, "http", "missing_credentials") == 1)
    }

    @Test("a bearer token is accepted on the OpenAI API; expired or for another tenant it is refused")
    func jwt() async throws {
        let metrics = PoolMetrics(registry: MetricsRegistry())
        let valid = try await SecurityTestSupport.token()
        let expired = try await SecurityTestSupport.token(.init(exp: Date().timeIntervalSince1970 - 10))
        try await SecurityTestSupport.app(
            [Self.provider()],
            security: SecurityTestSupport.security(mode: .jwt),
            metrics: metrics
        ).test(.router) { client in
            let headers: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(valid)"]
            try await client.execute(
                uri: "/v1/chat/completions",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: Self.chatBody)
            ) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer \(expired)"]) {
                response in
                #expect(response.status == .unauthorized)
                try #expect(Self.error(response)["message"] as? String == "token expired")
            }
            var otherTenant = headers
            otherTenant[.poolTenantName] = "team-b"
            try await client.execute(
                uri: "/v1/chat/completions",
                method: .post,
                headers: otherTenant,
                body: ByteBuffer(string: Self.chatBody)
            ) { response in
                #expect(response.status == .forbidden)
                let error = try Self.error(response)
                #expect(error["type"] as? String == "permission_error")
                #expect(error["message"] as? String == "the credentials are for tenant 'team-j', not 'team-b'")
            }
            // mode = jwt: a signature is not enough.
            let signed = SecurityTestSupport.signedHeaders(path: "/v1/infer", body: Self.inferBody)
            try await client.execute(
                uri: "/v1/infer",
                method: .post,
                headers: signed,
                body: ByteBuffer(string: Self.inferBody)
            ) { response in
                #expect(response.status == .unauthorized)
            }
        }
        #expect(SecurityTestSupport.counter(metrics.authFailures, "openai", "expired") == 1)
        #expect(SecurityTestSupport.counter(metrics.authFailures, "openai", "tenant_mismatch") == 1)
        #expect(SecurityTestSupport.counter(metrics.authFailures, "http", "method_not_accepted") == 1)
    }

    @Test("health and metrics stay open unless protected", arguments: [false, true])
    func openPaths(_ protect: Bool) async throws {
        let security = SecurityTestSupport.security(protectHealth: protect, protectMetrics: protect)
        try await SecurityTestSupport.app([Self.provider()], security: security).test(.router) { client in
            for path in ["/healthz", "/readyz", "/metrics"] {
                try await client.execute(uri: path, method: .get) { response in
                    if protect {
                        #expect(response.status == .unauthorized, "\(path)")
                    } else {
                        #expect(response.status != .unauthorized && response.status != .forbidden, "\(path)")
                    }
                }
            }
            let signed = SecurityTestSupport.signedHeaders(method: "GET", path: "/healthz", body: "")
            try await client.execute(uri: "/healthz", method: .get, headers: signed) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("over the request limit: 429 with Retry-After and the x-ratelimit headers, which admitted answers carry too")
    func requestLimit() async throws {
        let metrics = PoolMetrics(registry: MetricsRegistry())
        let limits = RateLimitConfiguration(
            enabled: true,
            requestsPerMinute: 2,
            tenants: ["vip": RateLimit(requestsPerMinute: 100)]
        )
        try await SecurityTestSupport.app([Self.provider()], rateLimits: limits, metrics: metrics).test(.router) {
            client in
            let headers: HTTPFields = [.contentType: "application/json"]
            for expected in ["1", "0"] {
                try await client.execute(
                    uri: "/v1/infer",
                    method: .post,
                    headers: headers,
                    body: ByteBuffer(string: Self.inferBody)
                ) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.init("x-ratelimit-limit-requests")!] == "2")
                    #expect(response.headers[.init("x-ratelimit-remaining-requests")!] == expected)
                    #expect(response.headers[.init("x-ratelimit-reset-requests")!]?.hasSuffix("s") == true)
                }
            }
            try await client.execute(
                uri: "/v1/chat/completions",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: Self.chatBody)
            ) { response in
                #expect(response.status == .tooManyRequests)
                let retryAfter = try #require(response.headers[.retryAfter].flatMap(Int.init))
                #expect((1...60).contains(retryAfter))
                #expect(response.headers[.init("x-ratelimit-remaining-requests")!] == "0")
                let error = try Self.error(response)
                #expect(error["type"] as? String == "rate_limit_error")
                #expect(error["code"] as? String == "resource_exhausted")
                #expect(
                    (error["message"] as? String)?.hasPrefix(
                        "rate limit exceeded for tenant 'default': 2 requests per minute"
                    ) == true
                )
            }
            // Other tenants have their own budget: by header, or by the body's tenant field.
            try await client.execute(
                uri: "/v1/infer",
                method: .post,
                headers: [.contentType: "application/json", .poolTenantName: "vip"],
                body: ByteBuffer(string: Self.inferBody)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.init("x-ratelimit-limit-requests")!] == "100")
            }
            let tenantBody = #"{"task":"expand_queries","input":"swift","tenant":"other"}"#
            try await client.execute(
                uri: "/v1/infer",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: tenantBody)
            ) { response in
                #expect(response.status == .ok)
            }
            // Routes that are not inference are not limited.
            try await client.execute(uri: "/v1/models", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.init("x-ratelimit-limit-requests")!] == nil)
            }
        }
        #expect(SecurityTestSupport.counter(metrics.rateLimited, "openai", "requests") == 1)
    }

    @Test("the authenticated tenant is the one limited, whatever the body says")
    func principalTenant() async throws {
        let limits = RateLimitConfiguration(enabled: true, requestsPerMinute: 1)
        try await SecurityTestSupport.app(
            [Self.provider()],
            security: SecurityTestSupport.security(),
            rateLimits: limits
        ).test(.router) { client in
            for (index, tenant) in ["x", "y"].enumerated() {
                let body = #"{"task":"expand_queries","input":"swift","tenant":"\#(tenant)"}"#
                let headers = SecurityTestSupport.signedHeaders(path: "/v1/infer", body: body)
                try await client.execute(
                    uri: "/v1/infer",
                    method: .post,
                    headers: headers,
                    body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == (index == 0 ? .ok : .tooManyRequests))
                    if index == 1 {
                        let message = try Self.error(response)["message"] as? String
                        #expect(message?.contains("tenant 'team-a'") == true)
                    }
                }
            }
        }
    }

    @Test("tokens are charged up front and corrected with the answer's usage, plain and streamed")
    func tokenCorrection() async throws {
        let limiter = RecordingLimiter()
        let limits = RateLimitConfiguration(enabled: true, tokensPerMinute: 10_000)
        try await SecurityTestSupport.app([Self.provider()], rateLimits: limits, limiter: limiter).test(.router) {
            client in
            let body = #"{"task":"expand_queries","input":"12345678","maxTokens":20}"#
            try await client.execute(
                uri: "/v1/infer",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.init("x-ratelimit-limit-tokens")!] == "10000")
                #expect(response.headers[.init("x-ratelimit-remaining-tokens")!] == "9978")
            }
            try await client.execute(
                uri: "/v1/infer/stream",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .ok)
            }
            // An invalid request generates nothing: its estimate is refunded.
            try await client.execute(
                uri: "/v1/infer",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"task":"nope","input":"1234","maxTokens":9}"#)
            ) { response in
                #expect(response.status == .notFound)
            }
        }
        // Estimate: 8 bytes / 4 + 20 = 22. Usage: 3 input + 2 output = 5.
        #expect(limiter.acquired.map(\.estimate) == [22, 22, 10])
        #expect(limiter.adjustments == [5 - 22, 5 - 22, -10])
    }
}

extension HTTPField.Name {
    static let poolTenantName = HTTPField.Name("x-llm-pool-tenant")!
}
