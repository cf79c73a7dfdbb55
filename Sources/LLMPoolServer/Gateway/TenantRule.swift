import LLMPoolCore

/// Whose quota a request counts against, the same for every front door: the authenticated
/// principal's tenant, else the tenant the request names (`tenant` in a `Query`, `user` in an
/// OpenAI body), else the `x-llm-pool-tenant` header or metadata, else `default`.
///
/// With `[security]` on, a header naming another tenant than the credentials' is refused (403)
/// before the request is decoded, so the principal always wins.
public enum TenantRule {
    /// The tenant of requests that name none.
    public static let defaultTenant = "default"

    /// The tenant for a request.
    /// - Parameters:
    ///   - principal: Who the credentials proved the caller to be.
    ///   - body: The tenant named in the request itself.
    ///   - hint: The `x-llm-pool-tenant` header (HTTP) or metadata (gRPC).
    public static func tenant(principal: AuthenticatedPrincipal?, body: String?, hint: String?) -> String {
        if let tenant = principal?.tenant, !tenant.isEmpty { return tenant }
        if let body, !body.isEmpty { return body }
        if let hint, !hint.isEmpty { return hint }
        return defaultTenant
    }
}
