import Foundation

/// Decides who a request comes from, by the credentials `[security]` accepts.
///
/// A request with `x-llm-pool-signature` is checked as an HMAC-signed request
/// (``HMACRequestVerifier``); one with `authorization: Bearer <jwt>` as a token (``JWTVerifier``).
/// Both front doors call the same authenticator, so HTTP headers and gRPC metadata follow the
/// same rules.
///
/// ```swift
/// let authenticator = try Authenticator(configuration: config.security, nonceStore: InMemoryNonceStore())
/// let principal = try await authenticator.authenticate(
///     AuthenticationRequest(method: "POST", path: "/v1/infer", headers: headers, body: body)
/// )
/// ```
public struct Authenticator: Sendable {
    /// The configuration in force.
    public let configuration: SecurityConfiguration
    private let hmac: HMACRequestVerifier
    private let jwt: JWTVerifier

    /// Creates an authenticator.
    /// - Parameters:
    ///   - configuration: `[security]`, with its secrets already read.
    ///   - nonceStore: Where HMAC nonces are remembered (Redis when replicas share the load).
    ///   - now: The wall clock (tests pass a fixed time).
    /// - Throws: ``PoolError`` `invalidConfiguration` when the JWT public key is unusable.
    public init(
        configuration: SecurityConfiguration,
        nonceStore: any NonceStore,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.configuration = configuration
        self.hmac = HMACRequestVerifier(configuration: configuration.hmac, nonceStore: nonceStore, now: now)
        self.jwt = try JWTVerifier(configuration: configuration.jwt, now: now)
    }

    /// Authenticates a request.
    /// - Returns: The principal the request acts for.
    /// - Throws: ``PoolError`` `unauthenticated` or `permissionDenied` with a message that names
    ///   what failed but never a secret; its `cause` is an ``AuthenticationFailure`` with a reason
    ///   label. `unavailable` when the nonce store cannot be reached.
    public func authenticate(_ request: AuthenticationRequest) async throws -> AuthenticatedPrincipal {
        let mode = configuration.mode
        if request.isHMACSigned {
            guard mode.acceptsHMAC else {
                throw PoolError.unauthenticated(
                    "HMAC signatures are not accepted (security.mode = \(mode.rawValue)); send authorization: Bearer <jwt>",
                    .methodNotAccepted
                )
            }
            return try await hmac.verify(request)
        }
        if request.headers["authorization"] != nil {
            guard let token = request.bearerToken else {
                throw PoolError.unauthenticated("authorization header must be 'Bearer <token>'", .malformed)
            }
            guard mode.acceptsJWT else {
                throw PoolError.unauthenticated(
                    "bearer tokens are not accepted (security.mode = \(mode.rawValue)); sign the request with the x-llm-pool-* headers",
                    .methodNotAccepted
                )
            }
            return try await jwt.verify(token)
        }
        let expected =
            switch mode {
            case .hmac: "the x-llm-pool-key-id, -timestamp, -nonce and -signature headers"
            case .jwt: "authorization: Bearer <jwt>"
            case .any: "authorization: Bearer <jwt> or the x-llm-pool-* signature headers"
            }
        throw PoolError.unauthenticated("missing credentials: send \(expected)", .missingCredentials)
    }

    /// Checks that a tenant the request names (the `x-llm-pool-tenant` header) is the principal's.
    /// - Throws: ``PoolError`` `permissionDenied` when it is another tenant.
    public static func checkTenant(_ requested: String?, for principal: AuthenticatedPrincipal) throws {
        guard let requested, !requested.isEmpty, requested != principal.tenant else { return }
        throw PoolError.permissionDenied(
            "the credentials are for tenant '\(principal.tenant)', not '\(HMACRequestVerifier.printable(requested))'",
            .tenantMismatch
        )
    }
}
