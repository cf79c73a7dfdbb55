import Foundation
import LLMPoolCore
import Testing

@Suite("Security and rate limit configuration")
struct SecurityConfigurationTests {
    static let base = """
        [[providers]]
        name = "a"
        base_url = "http://127.0.0.1:11434"
        model = "m"

        [tasks.t]
        providers = ["a"]
        prompt = "p.md"

        """

    static let jwtSecret = "a-jwt-secret-of-at-least-32-bytes!"

    static let pem = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE4Ayp/P8pvvDCZ2NEripyp4i6JXt9
        uqGeg6WgS8WzYmOSUhs9PtOncOdK0MXMMyQxYK5+5cwGsxx3Ak+LziaudA==
        -----END PUBLIC KEY-----
        """

    static let files: ConfigurationLoader.PromptSource = { path in
        switch path {
        case "p.md": return "{{input}}"
        case "keys.txt": return "# team keys\nfile-key:file:secret:with:colons\n\nk9:nine\n"
        case "jwt.pem": return pem
        case "bad.pem": return "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
        default: throw CocoaError(.fileNoSuchFile)
        }
    }

    /// Sets an environment variable for this process; names are unique per test.
    static func setEnvironment(_ name: String, _ value: String) {
        setenv(name, value, 1)
    }

    static func parse(_ extra: String) throws -> PoolConfiguration {
        try ConfigurationLoader.parse(base + extra, prompts: files)
    }

    static func issues(_ extra: String) -> [String] {
        do {
            _ = try parse(extra)
            return []
        } catch let error as ConfigurationError {
            return error.issues.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test("without the tables, security and rate limits are off")
    func defaults() throws {
        let config = try Self.parse("")
        #expect(config.security == .defaults)
        #expect(!config.security.enabled)
        #expect(config.security.mode == .any)
        #expect(config.security.hmac.maxSkew == .seconds(300))
        #expect(config.security.jwt.algorithms == ["HS256", "RS256", "ES256"])
        #expect(config.security.jwt.tenantClaim == "tenant")
        #expect(config.rateLimits == .defaults)
        #expect(config.rateLimits.limit(for: "anyone") == RateLimit())
    }

    @Test("every key decodes, and secrets are read from the environment and files")
    func full() throws {
        Self.setEnvironment("LLM_POOL_TEST_HMAC_KEYS", "k1:one, k2:two")
        Self.setEnvironment("LLM_POOL_TEST_JWT_SECRET", Self.jwtSecret)
        let config = try Self.parse(
            """
            [security]
            enabled = true
            mode = "hmac"
            protect_health = true
            protect_metrics = true

            [security.hmac]
            keys_env = "LLM_POOL_TEST_HMAC_KEYS"
            keys_file = "keys.txt"
            max_skew_ms = 60000
            [security.hmac.tenants]
            k2 = "team-b"

            [security.jwt]
            algorithms = ["HS256", "ES256"]
            issuer = "https://id.example"
            audience = "llm-pool"
            tenant_claim = "org"
            leeway_ms = 2000
            hmac_secret_env = "LLM_POOL_TEST_JWT_SECRET"
            public_key_file = "jwt.pem"

            [rate_limits]
            enabled = true
            backend = "redis"
            requests_per_minute = 60
            tokens_per_minute = 100000

            [rate_limits.tenants.big]
            tokens_per_minute = 1000000

            [redis]
            url = "redis://127.0.0.1:6379/0"
            """
        )
        let security = config.security
        #expect(security.enabled && security.mode == .hmac && security.protectHealth && security.protectMetrics)
        #expect(security.hmac.maxSkew == .seconds(60))
        #expect(
            security.hmac.keys == [
                "k1": Secret("one"), "k2": Secret("two"), "file-key": Secret("file:secret:with:colons"),
                "k9": Secret("nine"),
            ]
        )
        #expect(security.hmac.tenant(forKeyID: "k2") == "team-b")
        #expect(security.hmac.tenant(forKeyID: "k1") == "k1")
        #expect(security.jwt.algorithms == ["HS256", "ES256"])
        #expect(security.jwt.issuer == "https://id.example")
        #expect(security.jwt.audience == "llm-pool")
        #expect(security.jwt.tenantClaim == "org")
        #expect(security.jwt.leeway == .seconds(2))
        #expect(security.jwt.hmacSecret == Secret(Self.jwtSecret))
        #expect(security.jwt.publicKeyPEM == Self.pem)

        let limits = config.rateLimits
        #expect(limits.enabled && limits.backend == .redis)
        #expect(limits.limit(for: "someone") == RateLimit(requestsPerMinute: 60, tokensPerMinute: 100_000))
        // An override keeps the defaults it does not set.
        #expect(limits.limit(for: "big") == RateLimit(requestsPerMinute: 60, tokensPerMinute: 1_000_000))
    }

    @Test("secrets are not read while security is disabled")
    func disabledReadsNothing() throws {
        let config = try Self.parse(
            """
            [security]
            enabled = false
            [security.hmac]
            keys_env = "LLM_POOL_TEST_NEVER_SET"
            """
        )
        #expect(config.security.hmac.keys.isEmpty)
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        var name: String
        var toml: String
        var issue: String
        var testDescription: String { name }
    }

    static let badCases: [BadCase] = [
        .init(
            name: "unset keys_env",
            toml: "[security]\nenabled = true\n[security.hmac]\nkeys_env = \"LLM_POOL_TEST_UNSET_VAR\"",
            issue: "security.hmac.keys_env: environment variable 'LLM_POOL_TEST_UNSET_VAR' is not set"
        ),
        .init(
            name: "unset hmac_secret_env",
            toml:
                "[security]\nenabled = true\nmode = \"jwt\"\n[security.jwt]\nhmac_secret_env = \"LLM_POOL_TEST_UNSET_JWT\"",
            issue: "security.jwt.hmac_secret_env: environment variable 'LLM_POOL_TEST_UNSET_JWT' is not set"
        ),
        .init(
            name: "short JWT secret",
            toml: "[security]\nenabled = true\n[security.jwt]\nhmac_secret_env = \"LLM_POOL_TEST_SHORT_SECRET\"",
            issue: "security.jwt.hmac_secret_env: the secret in 'LLM_POOL_TEST_SHORT_SECRET' must be at least 32 bytes"
        ),
        .init(
            name: "alg none",
            toml: "[security.jwt]\nalgorithms = [\"HS256\", \"none\"]",
            issue: "security.jwt.algorithms[1]: 'none' is never allowed"
        ),
        .init(
            name: "unknown algorithm",
            toml: "[security.jwt]\nalgorithms = [\"HS257\"]",
            issue: "security.jwt.algorithms[0]: must be one of"
        ),
        .init(
            name: "unknown mode",
            toml: "[security]\nmode = \"password\"",
            issue: "security.mode: must be one of hmac, jwt, any, found 'password'"
        ),
        .init(
            name: "typo",
            toml: "[security]\nenable = true",
            issue: "security.enable: unknown key"
        ),
        .init(
            name: "no keys for hmac mode",
            toml: "[security]\nenabled = true\nmode = \"hmac\"",
            issue: "security.hmac: mode 'hmac' needs keys"
        ),
        .init(
            name: "no credentials at all",
            toml: "[security]\nenabled = true",
            issue: "security: no credentials can pass"
        ),
        .init(
            name: "missing key file",
            toml: "[security]\nenabled = true\n[security.hmac]\nkeys_file = \"nope.txt\"",
            issue: "security.hmac.keys_file: cannot read 'nope.txt'"
        ),
        .init(
            name: "not a public key",
            toml: "[security]\nenabled = true\n[security.jwt]\npublic_key_file = \"bad.pem\"",
            issue: "security.jwt.public_key_file: 'bad.pem': not a PEM RSA"
        ),
        .init(
            name: "bad rate",
            toml: "[rate_limits]\nrequests_per_minute = 0",
            issue: "rate_limits.requests_per_minute: must be between 1 and 1000000000, found 0"
        ),
        .init(
            name: "unknown backend",
            toml: "[rate_limits]\nbackend = \"memcached\"",
            issue: "rate_limits.backend: must be one of memory, redis, found 'memcached'"
        ),
        .init(
            name: "tenant typo",
            toml: "[rate_limits.tenants.a]\nrequests_per_min = 5",
            issue: "rate_limits.tenants.a.requests_per_min: unknown key"
        ),
    ]

    @Test("mistakes are reported with their key path", arguments: badCases)
    func errors(_ bad: BadCase) {
        Self.setEnvironment("LLM_POOL_TEST_SHORT_SECRET", "short")
        let issues = Self.issues(bad.toml)
        #expect(issues.contains { $0.contains(bad.issue) }, "\(issues)")
    }

    @Test("a malformed key entry is reported without its secret")
    func malformedEntry() {
        Self.setEnvironment("LLM_POOL_TEST_BAD_KEYS", "k1:good,justasecretvalue")
        let issues = Self.issues("[security]\nenabled = true\n[security.hmac]\nkeys_env = \"LLM_POOL_TEST_BAD_KEYS\"")
        #expect(issues.contains { $0.contains("security.hmac.keys_env: entry 2 must be 'keyid:secret'") }, "\(issues)")
        #expect(!issues.joined().contains("justasecretvalue"))
    }
}
