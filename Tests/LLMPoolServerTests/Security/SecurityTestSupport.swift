import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import LLMPoolCore
import LLMPoolObservability
import LLMPoolServer
import LLMPoolTesting
import Logging
import NIOCore
import Synchronization

/// Pools with `[security]` and `[rate_limits]` for the front-door tests.
enum SecurityTestSupport {
    static let hmacSecret = "team-a-shared-secret"
    static let jwtSecret = "a-jwt-secret-that-is-long-enough-for-hs256!"

    static func security(
        mode: SecurityConfiguration.Mode = .any,
        protectHealth: Bool = false,
        protectMetrics: Bool = false
    ) -> SecurityConfiguration {
        SecurityConfiguration(
            enabled: true,
            mode: mode,
            protectHealth: protectHealth,
            protectMetrics: protectMetrics,
            hmac: .init(tenants: ["k1": "team-a"], keys: ["k1": Secret(hmacSecret)]),
            jwt: .init(hmacSecret: Secret(jwtSecret))
        )
    }

    static func configuration(
        _ providers: [ScriptedProvider],
        security: SecurityConfiguration = .defaults,
        rateLimits: RateLimitConfiguration = .defaults
    ) throws -> PoolConfiguration {
        var config = try HTTPTestSupport.configuration(providers)
        config.security = security
        config.rateLimits = rateLimits
        return config
    }

    static func app(
        _ providers: [ScriptedProvider],
        security: SecurityConfiguration = .defaults,
        rateLimits: RateLimitConfiguration = .defaults,
        limiter: (any RateLimiter)? = nil,
        metrics: PoolMetrics = PoolMetrics(registry: MetricsRegistry())
    ) throws -> some ApplicationProtocol {
        let config = try configuration(providers, security: security, rateLimits: rateLimits)
        let components = try TestPool.components(
            config,
            providers: providers,
            telemetry: telemetry(metrics),
            rateLimiter: limiter
        )
        return Application(router: components.httpServer.router())
    }

    /// Telemetry reporting to `metrics`, spans not exported.
    static func telemetry(_ metrics: PoolMetrics) -> PoolTelemetry {
        PoolTelemetry(metrics: metrics, tracer: PoolTelemetry.makeStandalone().tracer)
    }

    /// HTTP headers of an HMAC-signed request.
    static func signedHeaders(
        method: String = "POST",
        path: String,
        body: String,
        keyID: String = "k1",
        secret: String = hmacSecret,
        nonce: String = HMACRequestSigner.randomNonce()
    ) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        for (name, value) in HMACRequestSigner(keyID: keyID, secret: Secret(secret)).headers(
            method: method,
            path: path,
            body: Array(body.utf8),
            nonce: nonce
        ) {
            fields[HTTPField.Name(name)!] = value
        }
        return fields
    }

    struct Claims: JWTPayload {
        var exp = Date().timeIntervalSince1970 + 300
        var tenant: String? = "team-j"
        var sub = "svc"
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func token(_ claims: Claims = Claims(), secret: String = jwtSecret) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(claims)
    }

    static func counter(_ family: CounterFamily, _ labels: String...) -> Double {
        family.labels(labels).value
    }
}

/// A limiter that records the corrections it is asked for, over an in-memory one.
final class RecordingLimiter: RateLimiter {
    let base = InMemoryRateLimiter()
    private let recorded = Mutex<[(tenant: String, estimate: Int, delta: Int?)]>([])

    var acquired: [(tenant: String, estimate: Int)] {
        recorded.withLock { $0.filter { $0.delta == nil }.map { ($0.tenant, $0.estimate) } }
    }
    var adjustments: [Int] { recorded.withLock { $0.compactMap(\.delta) } }

    func acquire(tenant: String, estimatedTokens: Int, limit: RateLimit) async throws -> RateLimitDecision {
        recorded.withLock { $0.append((tenant, estimatedTokens, nil)) }
        return try await base.acquire(tenant: tenant, estimatedTokens: estimatedTokens, limit: limit)
    }

    func adjust(tenant: String, tokenDelta: Int, limit: RateLimit) async throws {
        recorded.withLock { $0.append((tenant, 0, tokenDelta)) }
        try await base.adjust(tenant: tenant, tokenDelta: tokenDelta, limit: limit)
    }
}
