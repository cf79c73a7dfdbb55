/// Who a request was proven to come from.
public struct AuthenticatedPrincipal: Sendable, Hashable {
    /// How the caller proved who it is.
    public enum Method: String, Sendable, Hashable {
        /// An HMAC request signature with a shared key.
        case hmac
        /// A JWT bearer token.
        case jwt
    }

    /// The tenant the request counts against: the key id's tenant, or the token's tenant claim.
    public var tenant: String
    /// The HMAC key id, or the token's `sub` (empty when the token has none).
    public var subject: String
    /// How the caller authenticated.
    public var method: Method

    /// Creates a principal.
    public init(tenant: String, subject: String, method: Method) {
        self.tenant = tenant
        self.subject = subject
        self.method = method
    }

    /// The principal of the request being served, where a front door that cannot carry it in a
    /// request context (the gRPC interceptors) binds it for the rest of the call.
    @TaskLocal public static var current: AuthenticatedPrincipal?
}
