/// Why credentials were refused: the `cause` of the ``PoolError`` an ``Authenticator`` throws.
///
/// The reason is a short, bounded label (`bad_signature`, `expired`, …) for the
/// `llm_pool_auth_failures_total{reason}` metric; the ``PoolError`` message is the sentence for people.
public struct AuthenticationFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// A bounded reason label. A struct wrapping a private enum so that reasons can be added.
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: String, Sendable, Hashable {
            case missingCredentials = "missing_credentials"
            case methodNotAccepted = "method_not_accepted"
            case malformed = "malformed"
            case unknownKey = "unknown_key"
            case badSignature = "bad_signature"
            case clockSkew = "clock_skew"
            case replayedNonce = "replayed_nonce"
            case expired = "expired"
            case notYetValid = "not_yet_valid"
            case wrongIssuer = "wrong_issuer"
            case wrongAudience = "wrong_audience"
            case algorithmNotAllowed = "algorithm_not_allowed"
            case missingTenant = "missing_tenant"
            case tenantMismatch = "tenant_mismatch"
            case storeUnavailable = "store_unavailable"
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// No credentials were sent.
        public static let missingCredentials = Reason(.missingCredentials)
        /// Credentials of a kind `security.mode` does not accept.
        public static let methodNotAccepted = Reason(.methodNotAccepted)
        /// Headers or token that cannot be parsed.
        public static let malformed = Reason(.malformed)
        /// An HMAC key id that is not configured, or no key for the token's algorithm.
        public static let unknownKey = Reason(.unknownKey)
        /// The signature does not match.
        public static let badSignature = Reason(.badSignature)
        /// The request's timestamp is outside the allowed window.
        public static let clockSkew = Reason(.clockSkew)
        /// The nonce was already used.
        public static let replayedNonce = Reason(.replayedNonce)
        /// The token's `exp` has passed (or it has none).
        public static let expired = Reason(.expired)
        /// The token's `nbf` is in the future.
        public static let notYetValid = Reason(.notYetValid)
        /// The token's `iss` is not the configured issuer.
        public static let wrongIssuer = Reason(.wrongIssuer)
        /// The token's `aud` does not include the configured audience.
        public static let wrongAudience = Reason(.wrongAudience)
        /// The token's `alg` is `none` or not in the allow-list.
        public static let algorithmNotAllowed = Reason(.algorithmNotAllowed)
        /// The token carries no tenant claim.
        public static let missingTenant = Reason(.missingTenant)
        /// The request names a tenant other than the credentials'.
        public static let tenantMismatch = Reason(.tenantMismatch)
        /// The nonce store could not be reached; requests are refused rather than risk a replay.
        public static let storeUnavailable = Reason(.storeUnavailable)

        /// The label, such as `bad_signature`.
        public var description: String { wrapped.rawValue }
    }

    /// Why the credentials were refused.
    public var reason: Reason

    /// Creates a failure.
    public init(_ reason: Reason) {
        self.reason = reason
    }

    public var description: String { reason.description }
}

extension PoolError {
    /// An `unauthenticated` error whose cause carries `reason`.
    static func unauthenticated(_ message: String, _ reason: AuthenticationFailure.Reason) -> PoolError {
        PoolError(code: .unauthenticated, message: message, cause: AuthenticationFailure(reason))
    }

    /// A `permissionDenied` error whose cause carries `reason`.
    static func permissionDenied(_ message: String, _ reason: AuthenticationFailure.Reason) -> PoolError {
        PoolError(code: .permissionDenied, message: message, cause: AuthenticationFailure(reason))
    }

    /// The reason label when this error is an authentication failure.
    public var authenticationFailureReason: AuthenticationFailure.Reason? {
        (cause as? AuthenticationFailure)?.reason
    }
}
