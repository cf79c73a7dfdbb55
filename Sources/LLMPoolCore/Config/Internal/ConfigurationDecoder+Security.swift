import Foundation
import TOMLKit

/// `[security]` and `[rate_limits]`. Secrets are read here, once, from the environment variables
/// and files the tables name, so a missing secret is a configuration error naming its key rather
/// than a failure on the first request.
extension ConfigurationDecoder {
    func decodeSecurity(_ t: TOMLTable) -> SecurityConfiguration {
        let p = "security"
        reader.rejectUnknownKeys(
            t,
            at: p,
            known: ["enabled", "mode", "protect_health", "protect_metrics", "hmac", "jwt"]
        )
        var security = SecurityConfiguration.defaults
        security.enabled = reader.bool(t, "enabled", at: p, default: false)
        let modeName = reader.string(t, "mode", at: p, default: "any") ?? "any"
        if let mode = SecurityConfiguration.Mode(rawValue: modeName) {
            security.mode = mode
        } else {
            reader.report(
                reader.join(p, "mode"),
                "must be one of \(SecurityConfiguration.Mode.allCases.map(\.rawValue).joined(separator: ", ")), found '\(modeName)'"
            )
        }
        security.protectHealth = reader.bool(t, "protect_health", at: p, default: false)
        security.protectMetrics = reader.bool(t, "protect_metrics", at: p, default: false)
        if let h = reader.table(t, "hmac", at: p) { security.hmac = decodeHMAC(h, readSecrets: security.enabled) }
        if let j = reader.table(t, "jwt", at: p) { security.jwt = decodeJWT(j, readSecrets: security.enabled) }

        guard security.enabled else { return security }
        // A key source that is named but unreadable is reported on its own key, not again here.
        let hmacReady = security.hmac.keysEnv != nil || security.hmac.keysFile != nil
        let jwtReady = security.jwt.hmacSecretEnv != nil || security.jwt.publicKeyFile != nil
        switch security.mode {
        case .hmac where !hmacReady:
            reader.report("security.hmac", "mode 'hmac' needs keys: set keys_env or keys_file")
        case .jwt where !jwtReady:
            reader.report("security.jwt", "mode 'jwt' needs a key: set hmac_secret_env or public_key_file")
        case .any where !hmacReady && !jwtReady:
            reader.report(
                "security",
                "no credentials can pass: set [security.hmac] keys_env or keys_file, or [security.jwt] hmac_secret_env or public_key_file"
            )
        default:
            break
        }
        return security
    }

    private func decodeHMAC(_ t: TOMLTable, readSecrets: Bool) -> SecurityConfiguration.HMAC {
        let p = "security.hmac"
        reader.rejectUnknownKeys(t, at: p, known: ["keys_env", "keys_file", "max_skew_ms", "tenants"])
        var hmac = SecurityConfiguration.HMAC.defaults
        hmac.keysEnv = reader.string(t, "keys_env", at: p)
        hmac.keysFile = reader.string(t, "keys_file", at: p)
        hmac.maxSkew = reader.milliseconds(t, "max_skew_ms", at: p, default: hmac.maxSkew)
        if let tenants = reader.table(t, "tenants", at: p) {
            for keyID in tenants.keys {
                if let tenant = reader.string(tenants, keyID, at: reader.join(p, "tenants")) {
                    hmac.tenants[keyID] = tenant
                }
            }
        }
        guard readSecrets else { return hmac }
        if let name = hmac.keysEnv, let text = environmentSecret(name, key: reader.join(p, "keys_env")) {
            parseHMACKeys(
                text.split(separator: ",", omittingEmptySubsequences: false),
                key: reader.join(p, "keys_env"),
                into: &hmac.keys
            )
        }
        if let path = hmac.keysFile {
            do {
                let lines = try prompts(path).split(whereSeparator: \.isNewline).filter {
                    let line = $0.trimmingCharacters(in: .whitespaces)
                    return !line.isEmpty && !line.hasPrefix("#")
                }
                parseHMACKeys(lines, key: reader.join(p, "keys_file"), into: &hmac.keys)
            } catch {
                reader.report(reader.join(p, "keys_file"), "cannot read '\(path)': \(error.localizedDescription)")
            }
        }
        return hmac
    }

    /// Parses `keyid:secret` entries. Only the part before the first `:` is the key id, so secrets
    /// may contain colons. Errors name the entry's position, never its secret.
    private func parseHMACKeys(_ entries: [Substring], key: String, into keys: inout [String: Secret]) {
        for (index, entry) in entries.enumerated() {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            guard let colon = trimmed.firstIndex(of: ":") else {
                reader.report(key, "entry \(index + 1) must be 'keyid:secret'")
                continue
            }
            let keyID = String(trimmed[..<colon])
            let secret = String(trimmed[trimmed.index(after: colon)...])
            if keyID.isEmpty || secret.isEmpty {
                reader.report(key, "entry \(index + 1) must be 'keyid:secret' with a non-empty key id and secret")
            } else if keys[keyID] != nil {
                reader.report(key, "key id '\(keyID)' is defined twice")
            } else {
                keys[keyID] = Secret(secret)
            }
        }
    }

    private func decodeJWT(_ t: TOMLTable, readSecrets: Bool) -> SecurityConfiguration.JWT {
        let p = "security.jwt"
        reader.rejectUnknownKeys(
            t,
            at: p,
            known: [
                "algorithms", "issuer", "audience", "tenant_claim", "leeway_ms", "hmac_secret_env", "public_key_file",
            ]
        )
        var jwt = SecurityConfiguration.JWT.defaults
        if let algorithms = reader.strings(t, "algorithms", at: p) {
            for (index, name) in algorithms.enumerated() {
                if name.lowercased() == "none" {
                    reader.report("\(p).algorithms[\(index)]", "'none' is never allowed: unsigned tokens prove nothing")
                } else if !SecurityConfiguration.JWT.supportedAlgorithms.contains(name) {
                    reader.report(
                        "\(p).algorithms[\(index)]",
                        "must be one of \(SecurityConfiguration.JWT.supportedAlgorithms.sorted().joined(separator: ", ")), found '\(name)'"
                    )
                }
            }
            jwt.algorithms = algorithms.filter { SecurityConfiguration.JWT.supportedAlgorithms.contains($0) }
            if algorithms.isEmpty { reader.report(reader.join(p, "algorithms"), "must name at least one algorithm") }
        }
        jwt.issuer = reader.string(t, "issuer", at: p)
        jwt.audience = reader.string(t, "audience", at: p)
        jwt.tenantClaim = reader.string(t, "tenant_claim", at: p, default: jwt.tenantClaim) ?? jwt.tenantClaim
        if jwt.tenantClaim.isEmpty { reader.report(reader.join(p, "tenant_claim"), "must not be empty") }
        jwt.leeway = reader.milliseconds(t, "leeway_ms", at: p, default: .zero, minimum: 0)
        jwt.hmacSecretEnv = reader.string(t, "hmac_secret_env", at: p)
        jwt.publicKeyFile = reader.string(t, "public_key_file", at: p)
        guard readSecrets else { return jwt }
        if let name = jwt.hmacSecretEnv, let text = environmentSecret(name, key: reader.join(p, "hmac_secret_env")) {
            jwt.hmacSecret = Secret(text)
            let needed = jwt.algorithms.filter { $0.hasPrefix("HS") }.map(JWTVerifier.minimumSecretBytes).max() ?? 0
            if text.utf8.count < needed {
                reader.report(
                    reader.join(p, "hmac_secret_env"),
                    "the secret in '\(name)' must be at least \(needed) bytes for the HS algorithms allowed (RFC 7518 §3.2)"
                )
            }
        }
        if let path = jwt.publicKeyFile {
            do {
                let pem = try prompts(path)
                _ = try JWTPublicKey(pem: pem)
                jwt.publicKeyPEM = pem
            } catch let error as PoolError {
                reader.report(reader.join(p, "public_key_file"), "'\(path)': \(error.message)")
            } catch {
                reader.report(reader.join(p, "public_key_file"), "cannot read '\(path)': \(error.localizedDescription)")
            }
        }
        return jwt
    }

    /// The value of the environment variable `name`, or `nil` after reporting `key` when it is
    /// unset or empty.
    private func environmentSecret(_ name: String, key: String) -> String? {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            reader.report(key, "must name an environment variable (letters, digits, '_'), found '\(name)'")
            return nil
        }
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            reader.report(key, "environment variable '\(name)' is not set")
            return nil
        }
        return value
    }

    func decodeRateLimits(_ t: TOMLTable) -> RateLimitConfiguration {
        let p = "rate_limits"
        reader.rejectUnknownKeys(
            t,
            at: p,
            known: ["enabled", "backend", "requests_per_minute", "tokens_per_minute", "tenants"]
        )
        var limits = RateLimitConfiguration.defaults
        limits.enabled = reader.bool(t, "enabled", at: p, default: false)
        let backendName = reader.string(t, "backend", at: p, default: "memory") ?? "memory"
        if let backend = RateLimitConfiguration.Backend(rawValue: backendName) {
            limits.backend = backend
        } else {
            reader.report(
                reader.join(p, "backend"),
                "must be one of \(RateLimitConfiguration.Backend.allCases.map(\.rawValue).joined(separator: ", ")), found '\(backendName)'"
            )
        }
        limits.requestsPerMinute = perMinute(t, "requests_per_minute", at: p)
        limits.tokensPerMinute = perMinute(t, "tokens_per_minute", at: p)
        if let tenants = reader.table(t, "tenants", at: p) {
            for name in tenants.keys.sorted() {
                let tp = "\(p).tenants.\(name)"
                guard let table = reader.table(tenants, name, at: "\(p).tenants") else { continue }
                reader.rejectUnknownKeys(table, at: tp, known: ["requests_per_minute", "tokens_per_minute"])
                // Fields an override leaves out inherit the defaults, so a tenant can raise one limit only.
                limits.tenants[name] = RateLimit(
                    requestsPerMinute: perMinute(table, "requests_per_minute", at: tp) ?? limits.requestsPerMinute,
                    tokensPerMinute: perMinute(table, "tokens_per_minute", at: tp) ?? limits.tokensPerMinute
                )
            }
        }
        return limits
    }

    private func perMinute(_ t: TOMLTable, _ key: String, at path: String) -> Int? {
        guard t[key] != nil else { return nil }
        let value = reader.int(t, key, at: path, default: -1, range: 1...1_000_000_000)
        return value > 0 ? value : nil
    }
}
