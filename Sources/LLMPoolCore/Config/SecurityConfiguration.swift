/// `[security]`: who may call llm-pool, proven by an HMAC request signature or a JWT bearer token.
///
/// Secrets are never written in the file: `keys_env` and `hmac_secret_env` name environment
/// variables, `keys_file` and `public_key_file` name files. They are read when the configuration
/// is loaded, and only when `enabled` is true.
public struct SecurityConfiguration: Sendable, Hashable {
    /// Which credentials are accepted.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Only HMAC-signed requests (`x-llm-pool-signature` and its companion headers).
        case hmac
        /// Only `authorization: Bearer <jwt>`.
        case jwt
        /// Either.
        case any

        /// Whether HMAC signatures are accepted.
        public var acceptsHMAC: Bool { self != .jwt }
        /// Whether JWT bearer tokens are accepted.
        public var acceptsJWT: Bool { self != .hmac }
    }

    /// Whether requests must authenticate. Default false. TOML `security.enabled`.
    public var enabled: Bool
    /// Accepted credentials. Default `any`. TOML `security.mode`: `hmac`, `jwt` or `any`.
    public var mode: Mode
    /// Whether `/healthz`, `/readyz` and the gRPC health services require credentials. Default
    /// false. TOML `security.protect_health`.
    public var protectHealth: Bool
    /// Whether `/metrics` requires credentials. Default false. TOML `security.protect_metrics`.
    public var protectMetrics: Bool
    /// `[security.hmac]`.
    public var hmac: HMAC
    /// `[security.jwt]`.
    public var jwt: JWT

    /// Creates a configuration.
    public init(
        enabled: Bool = false,
        mode: Mode = .any,
        protectHealth: Bool = false,
        protectMetrics: Bool = false,
        hmac: HMAC = .defaults,
        jwt: JWT = .defaults
    ) {
        self.enabled = enabled
        self.mode = mode
        self.protectHealth = protectHealth
        self.protectMetrics = protectMetrics
        self.hmac = hmac
        self.jwt = jwt
    }

    /// The defaults: authentication off.
    public static var defaults: SecurityConfiguration { .init() }

    /// `[security.hmac]`: shared keys for signed requests, one tenant per key id.
    public struct HMAC: Sendable, Hashable {
        /// Environment variable holding `keyid:secret,keyid2:secret2`. TOML `security.hmac.keys_env`.
        public var keysEnv: String?
        /// File with one `keyid:secret` per line (`#` comments and blank lines ignored), relative to
        /// the configuration file. TOML `security.hmac.keys_file`.
        public var keysFile: String?
        /// Largest accepted difference between the request's timestamp and the server's clock.
        /// Default 300 s. TOML `security.hmac.max_skew_ms`.
        public var maxSkew: Duration
        /// Tenant of each key id, when it is not the key id itself. TOML `[security.hmac.tenants]`.
        public var tenants: [String: String]
        /// The keys read from `keys_env` and `keys_file`, by key id.
        public var keys: [String: Secret]

        /// Creates a configuration.
        public init(
            keysEnv: String? = nil,
            keysFile: String? = nil,
            maxSkew: Duration = .seconds(300),
            tenants: [String: String] = [:],
            keys: [String: Secret] = [:]
        ) {
            self.keysEnv = keysEnv
            self.keysFile = keysFile
            self.maxSkew = maxSkew
            self.tenants = tenants
            self.keys = keys
        }

        /// The defaults: no keys, a 300 s window.
        public static var defaults: HMAC { .init() }

        /// The tenant a key id acts for: its entry in `tenants`, else the key id.
        public func tenant(forKeyID keyID: String) -> String {
            tenants[keyID] ?? keyID
        }
    }

    /// `[security.jwt]`: bearer tokens signed by an identity provider.
    public struct JWT: Sendable, Hashable {
        /// Algorithms that are supported in `algorithms`; `none` never is.
        public static let supportedAlgorithms: Set<String> = [
            "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
        ]

        /// Accepted `alg` header values. Default `["HS256", "RS256", "ES256"]`. TOML `security.jwt.algorithms`.
        public var algorithms: [String]
        /// Required `iss`, if set. TOML `security.jwt.issuer`.
        public var issuer: String?
        /// Required member of `aud`, if set. TOML `security.jwt.audience`.
        public var audience: String?
        /// Claim naming the tenant. Default `tenant`. TOML `security.jwt.tenant_claim`.
        public var tenantClaim: String
        /// Clock tolerance for `exp` and `nbf`. Default 0. TOML `security.jwt.leeway_ms`.
        public var leeway: Duration
        /// Environment variable holding the HS* secret. TOML `security.jwt.hmac_secret_env`.
        public var hmacSecretEnv: String?
        /// PEM file with the RSA or EC public key for RS*/PS*/ES* tokens, relative to the
        /// configuration file. TOML `security.jwt.public_key_file`.
        public var publicKeyFile: String?
        /// The secret read from `hmac_secret_env`.
        public var hmacSecret: Secret?
        /// The PEM text read from `public_key_file`.
        public var publicKeyPEM: String?

        /// Creates a configuration.
        public init(
            algorithms: [String] = ["HS256", "RS256", "ES256"],
            issuer: String? = nil,
            audience: String? = nil,
            tenantClaim: String = "tenant",
            leeway: Duration = .zero,
            hmacSecretEnv: String? = nil,
            publicKeyFile: String? = nil,
            hmacSecret: Secret? = nil,
            publicKeyPEM: String? = nil
        ) {
            self.algorithms = algorithms
            self.issuer = issuer
            self.audience = audience
            self.tenantClaim = tenantClaim
            self.leeway = leeway
            self.hmacSecretEnv = hmacSecretEnv
            self.publicKeyFile = publicKeyFile
            self.hmacSecret = hmacSecret
            self.publicKeyPEM = publicKeyPEM
        }

        /// The defaults: HS256, RS256 and ES256 allowed, tenant in the `tenant` claim, no keys.
        public static var defaults: JWT { .init() }
    }
}
