import Foundation
import JWTKit
import LLMPoolCore
import Testing

@Suite("Authenticator")
struct AuthenticatorTests {
    static func authenticator(_ mode: SecurityConfiguration.Mode) throws -> Authenticator {
        let security = SecurityConfiguration(
            enabled: true,
            mode: mode,
            hmac: .init(keys: ["k1": Secret("s3cret")]),
            jwt: .init(hmacSecret: Secret(JWTVerifierTests.secret))
        )
        return try Authenticator(
            configuration: security,
            nonceStore: InMemoryNonceStore(clock: TestClock()),
            now: { JWTVerifierTests.now }
        )
    }

    static func signed() -> AuthenticationRequest {
        let headers = HMACRequestSigner(keyID: "k1", secret: Secret("s3cret"))
            .headers(
                method: "POST",
                path: "/v1/infer",
                body: [1, 2, 3],
                timestamp: Int(JWTVerifierTests.now.timeIntervalSince1970)
            )
        return AuthenticationRequest(method: "POST", path: "/v1/infer", headers: headers, body: [1, 2, 3])
    }

    static func bearer(_ token: String) -> AuthenticationRequest {
        AuthenticationRequest(method: "POST", path: "/v1/infer", headers: ["authorization": "Bearer \(token)"])
    }

    static func failure(_ authenticator: Authenticator, _ request: AuthenticationRequest) async -> PoolError? {
        do {
            _ = try await authenticator.authenticate(request)
            return nil
        } catch {
            return error as? PoolError
        }
    }

    @Test("mode any accepts both kinds of credentials")
    func any() async throws {
        let authenticator = try Self.authenticator(.any)
        #expect(try await authenticator.authenticate(Self.signed()).method == .hmac)
        let token = try await JWTVerifierTests.hs(TestClaims())
        #expect(try await authenticator.authenticate(Self.bearer(token)).method == .jwt)
    }

    @Test("each mode refuses the other kind of credentials")
    func modes() async throws {
        let token = try await JWTVerifierTests.hs(TestClaims())
        let hmacOnly = try #require(await Self.failure(try Self.authenticator(.hmac), Self.bearer(token)))
        #expect(hmacOnly.message.hasPrefix("bearer tokens are not accepted (security.mode = hmac)"))
        #expect(hmacOnly.authenticationFailureReason == .methodNotAccepted)
        let jwtOnly = try #require(await Self.failure(try Self.authenticator(.jwt), Self.signed()))
        #expect(jwtOnly.message.hasPrefix("HMAC signatures are not accepted (security.mode = jwt)"))
    }

    @Test("no credentials, or an authorization header that is not a bearer token, is unauthenticated")
    func missing() async throws {
        let authenticator = try Self.authenticator(.any)
        let none = try #require(
            await Self.failure(authenticator, AuthenticationRequest(method: "GET", path: "/v1/models", headers: [:]))
        )
        #expect(none.code == .unauthenticated)
        #expect(none.message.hasPrefix("missing credentials"))
        #expect(none.authenticationFailureReason == .missingCredentials)
        let basic = try #require(
            await Self.failure(
                authenticator,
                AuthenticationRequest(method: "GET", path: "/", headers: ["authorization": "Basic dTpw"])
            )
        )
        #expect(basic.message == "authorization header must be 'Bearer <token>'")
    }

    @Test("a request naming another tenant than its credentials is denied")
    func tenantMismatch() throws {
        let principal = AuthenticatedPrincipal(tenant: "team-a", subject: "k1", method: .hmac)
        try Authenticator.checkTenant(nil, for: principal)
        try Authenticator.checkTenant("team-a", for: principal)
        let error = #expect(throws: PoolError.self) { try Authenticator.checkTenant("team-b", for: principal) }
        #expect(error?.code == .permissionDenied)
        #expect(error?.message == "the credentials are for tenant 'team-a', not 'team-b'")
    }

    @Test("secrets never appear when a configuration is printed")
    func redacted() {
        let security = SecurityConfiguration(
            enabled: true,
            hmac: .init(keys: ["k1": Secret("s3cret")]),
            jwt: .init(hmacSecret: Secret("jwt-s3cret"))
        )
        var dumped = ""
        dump(security, to: &dumped)
        for text in ["\(security)", String(reflecting: security), dumped] {
            #expect(!text.contains("s3cret"))
        }
    }
}
