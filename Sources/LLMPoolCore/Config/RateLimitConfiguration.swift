/// `[rate_limits]`: per-tenant request and token budgets over a sliding one-minute window.
///
/// The tenant is the authenticated caller's; without authentication it is the request's `tenant`
/// field (OpenAI API: `user`) or the `x-llm-pool-tenant` header, else `default`.
public struct RateLimitConfiguration: Sendable, Hashable {
    /// Where the counters live.
    public enum Backend: String, Sendable, Hashable, CaseIterable {
        /// In this process: each replica counts on its own.
        case memory
        /// In Redis (`[redis] url`): replicas share the counters.
        case redis
    }

    /// Whether limits are enforced. Default false. TOML `rate_limits.enabled`.
    public var enabled: Bool
    /// Counter store. Default `memory`. TOML `rate_limits.backend`: `memory` or `redis`.
    public var backend: Backend
    /// Requests per minute for tenants without an override; `nil` is unlimited. Default unlimited.
    /// TOML `rate_limits.requests_per_minute`.
    public var requestsPerMinute: Int?
    /// Tokens (input + output) per minute for tenants without an override; `nil` is unlimited.
    /// Default unlimited. TOML `rate_limits.tokens_per_minute`.
    public var tokensPerMinute: Int?
    /// Per-tenant limits; a field an override leaves out keeps the default.
    /// TOML `[rate_limits.tenants.NAME] requests_per_minute`, `tokens_per_minute`.
    public var tenants: [String: RateLimit]

    /// Creates a configuration.
    public init(
        enabled: Bool = false,
        backend: Backend = .memory,
        requestsPerMinute: Int? = nil,
        tokensPerMinute: Int? = nil,
        tenants: [String: RateLimit] = [:]
    ) {
        self.enabled = enabled
        self.backend = backend
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.tenants = tenants
    }

    /// The defaults: no limits.
    public static var defaults: RateLimitConfiguration { .init() }

    /// The limit that applies to `tenant`.
    public func limit(for tenant: String) -> RateLimit {
        tenants[tenant] ?? RateLimit(requestsPerMinute: requestsPerMinute, tokensPerMinute: tokensPerMinute)
    }
}
