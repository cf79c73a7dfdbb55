import Foundation
import JWTKit
import LLMPoolCore
import Testing

/// Claims as an identity provider would write them.
struct TestClaims: JWTPayload {
    var exp: Double? = JWTVerifierTests.now.timeIntervalSince1970 + 300
    var nbf: Double?
    var iss: String? = "https://id.example"
    var aud: [String]? = ["llm-pool"]
    var sub: String? = "svc-1"
    var tenant: String? = "team-a"

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite("JWT bearer tokens")
struct JWTVerifierTests {
    static let now = Date(timeIntervalSince1970: 1_750_000_000)
    static let secret = "jwt-secret-long-enough-for-hs512-0123456789abcdef0123456789abcdef"

    static func configuration(_ change: (inout SecurityConfiguration.JWT) -> Void = { _ in })
        -> SecurityConfiguration.JWT
    {
        var jwt = SecurityConfiguration.JWT(
            issuer: "https://id.example",
            audience: "llm-pool",
            hmacSecret: Secret(secret)
        )
        change(&jwt)
        return jwt
    }

    static func verifier(_ change: (inout SecurityConfiguration.JWT) -> Void = { _ in }) throws -> JWTVerifier {
        try JWTVerifier(configuration: configuration(change), now: { now })
    }

    static func hs(_ claims: TestClaims, secret: String = secret, digest: DigestAlgorithm = .sha256) async throws
        -> String
    {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: digest)
        return try await keys.sign(claims)
    }

    static func failure(_ verifier: JWTVerifier, _ token: String) async -> PoolError? {
        do {
            _ = try await verifier.verify(token)
            return nil
        } catch {
            return error as? PoolError
        }
    }

    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/",
            with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    @Test("a valid HS256 token gives the tenant claim and the subject")
    func valid() async throws {
        let principal = try await Self.verifier().verify(try await Self.hs(TestClaims()))
        #expect(principal == AuthenticatedPrincipal(tenant: "team-a", subject: "svc-1", method: .jwt))
    }

    @Test("the tenant claim is configurable")
    func tenantClaim() async throws {
        var claims = TestClaims()
        claims.tenant = nil
        claims.sub = "org-7"
        let principal = try await Self.verifier { $0.tenantClaim = "sub" }.verify(try await Self.hs(claims))
        #expect(principal.tenant == "org-7")
    }

    @Test("a valid ES256 token verifies against the PEM public key")
    func es256() async throws {
        let privateKey = ES256PrivateKey()
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: privateKey)
        let token = try await keys.sign(TestClaims())
        let verifier = try Self.verifier {
            $0.hmacSecret = nil
            $0.publicKeyPEM = privateKey.publicKey.pemRepresentation
        }
        #expect(try await verifier.verify(token).tenant == "team-a")
    }

    @Test("an HS256 token signed with the public key as secret is refused (algorithm confusion)")
    func confusion() async throws {
        let privateKey = ES256PrivateKey()
        let pem = privateKey.publicKey.pemRepresentation
        let verifier = try Self.verifier {
            $0.hmacSecret = nil
            $0.publicKeyPEM = pem
        }
        let error = try #require(await Self.failure(verifier, try await Self.hs(TestClaims(), secret: pem)))
        #expect(error.code == .unauthenticated)
        #expect(error.message == "no key is configured for algorithm 'HS256'")
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        var name: String
        var claims: TestClaims
        var message: String
        var reason: AuthenticationFailure.Reason
        var testDescription: String { name }
    }

    static let badCases: [BadCase] = [
        .init(
            name: "expired",
            claims: TestClaims(exp: now.timeIntervalSince1970 - 1),
            message: "token expired",
            reason: .expired
        ),
        .init(name: "no exp", claims: TestClaims(exp: nil), message: "token has no exp claim", reason: .expired),
        .init(
            name: "nbf in the future",
            claims: TestClaims(nbf: now.timeIntervalSince1970 + 60),
            message: "token not valid yet",
            reason: .notYetValid
        ),
        .init(
            name: "wrong issuer",
            claims: TestClaims(iss: "https://evil.example"),
            message: "token issuer is not 'https://id.example'",
            reason: .wrongIssuer
        ),
        .init(
            name: "wrong audience",
            claims: TestClaims(aud: ["someone-else"]),
            message: "token audience does not include 'llm-pool'",
            reason: .wrongAudience
        ),
    ]

    @Test("claims are checked against the clock and the configuration", arguments: badCases)
    func claims(_ bad: BadCase) async throws {
        let error = try #require(await Self.failure(try Self.verifier(), try await Self.hs(bad.claims)))
        #expect(error.code == .unauthenticated)
        #expect(error.message.hasPrefix(bad.message), "\(error.message)")
        #expect(error.authenticationFailureReason == bad.reason)
    }

    @Test("leeway tolerates a slightly expired token")
    func leeway() async throws {
        let token = try await Self.hs(TestClaims(exp: Self.now.timeIntervalSince1970 - 5))
        #expect(try await Self.verifier { $0.leeway = .seconds(10) }.verify(token).tenant == "team-a")
    }

    @Test("a valid token without the tenant claim is a permission error")
    func missingTenant() async throws {
        let error = try #require(await Self.failure(try Self.verifier(), try await Self.hs(TestClaims(tenant: nil))))
        #expect(error.code == .permissionDenied)
        #expect(error.message == "token has no 'tenant' claim naming the tenant")
    }

    @Test("alg none is refused, whatever the allow-list says")
    func algNone() async throws {
        let payload =
            #"{"exp":\#(Int(Self.now.timeIntervalSince1970) + 300),"tenant":"team-a","iss":"https://id.example","aud":"llm-pool"}"#
        let token = Self.base64URL(#"{"alg":"none","typ":"JWT"}"#) + "." + Self.base64URL(payload) + "."
        for verifier in [try Self.verifier(), try Self.verifier { $0.algorithms = ["none", "HS256"] }] {
            let error = try #require(await Self.failure(verifier, token))
            #expect(error.message == "algorithm 'none' is not allowed")
            #expect(error.authenticationFailureReason == .algorithmNotAllowed)
        }
        let upper = Self.base64URL(#"{"alg":"NONE"}"#) + "." + Self.base64URL(payload) + "."
        #expect(await Self.failure(try Self.verifier(), upper)?.message == "algorithm 'none' is not allowed")
    }

    @Test("an algorithm outside the allow-list is refused before its signature is checked")
    func notAllowed() async throws {
        let token = try await Self.hs(TestClaims(), digest: .sha384)
        let error = try #require(await Self.failure(try Self.verifier(), token))
        #expect(error.message == "algorithm 'HS384' is not allowed (security.jwt.algorithms)")
        #expect(try await Self.verifier { $0.algorithms = ["HS384"] }.verify(token).tenant == "team-a")
    }

    @Test("a bad signature is refused")
    func badSignature() async throws {
        let error = try #require(
            await Self.failure(
                try Self.verifier(),
                try await Self.hs(TestClaims(), secret: "another-secret-of-some-length-000000")
            )
        )
        #expect(error.message == "bad token signature")
        #expect(error.authenticationFailureReason == .badSignature)

        // A valid token whose payload was edited (tenant changed) fails the same way.
        let parts = try await Self.hs(TestClaims()).split(separator: ".")
        let forged = Self.base64URL(
            #"{"exp":\#(Int(Self.now.timeIntervalSince1970) + 300),"tenant":"team-b","iss":"https://id.example","aud":["llm-pool"]}"#
        )
        let tampered = "\(parts[0]).\(forged).\(parts[2])"
        #expect(await Self.failure(try Self.verifier(), tampered)?.message == "bad token signature")
    }

    @Test("garbage is a malformed token")
    func malformed() async throws {
        for token in ["abc", "a.b", "!!!.???.***", Self.base64URL(#"{"typ":"JWT"}"#) + ".e30."] {
            let error = try #require(await Self.failure(try Self.verifier(), token))
            #expect(error.authenticationFailureReason == .malformed, "\(token): \(error.message)")
        }
    }
}
