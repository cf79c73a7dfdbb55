import Foundation
import JWTKit
import LLMPoolObservability
import Synchronization

/// Verifies `authorization: Bearer <jwt>` tokens with jwt-kit.
///
/// The header's `alg` is checked against the allow-list before anything else, and `none` is
/// refused whatever the list says. Each allowed algorithm has its own key collection holding only
/// the key meant for it (the HS* secret, or the RSA or EC public key), so a token cannot make the
/// server verify an RS256 signature as HS256 with the public key as the secret (RFC 8725 §2.1).
/// After the signature, `exp` is required and checked, `nbf` if present, `iss` and `aud` when
/// configured, all against the injected clock with the configured leeway.
///
/// ```swift
/// let verifier = try JWTVerifier(configuration: config.security.jwt)
/// let principal = try await verifier.verify(token)   // tenant from the `tenant` claim
/// ```
public struct JWTVerifier: Sendable {
    private let configuration: SecurityConfiguration.JWT
    private let allowed: Set<String>
    private let hmacSecret: Secret?
    private let publicKey: JWTPublicKey?
    private let now: @Sendable () -> Date
    private let collections: CollectionCache
    private let verified = VerifiedTokens()

    /// Creates a verifier.
    /// - Parameters:
    ///   - configuration: Allowed algorithms, expected claims and the keys.
    ///   - now: The wall clock (tests pass a fixed time).
    /// - Throws: ``PoolError`` `invalidConfiguration` when `public_key_file` did not hold a usable key.
    public init(configuration: SecurityConfiguration.JWT, now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.configuration = configuration
        self.allowed = Set(configuration.algorithms.filter { $0.lowercased() != "none" })
        self.hmacSecret = configuration.hmacSecret
        self.publicKey = try configuration.publicKeyPEM.map { try JWTPublicKey(pem: $0) }
        self.now = now
        self.collections = CollectionCache()
    }

    /// Verifies a token.
    /// - Returns: The principal: the tenant claim's value, `sub` as subject.
    /// - Throws: ``PoolError`` `unauthenticated` (malformed, algorithm not allowed, no key for the
    ///   algorithm, bad signature, expired, not yet valid, wrong issuer or audience) or
    ///   `permissionDenied` (a valid token without the tenant claim).
    public func verify(_ token: String) async throws -> AuthenticatedPrincipal {
        let now = self.now()
        if let principal = verified.principal(for: token, at: now) { return principal }
        let algorithm = try Self.algorithm(of: token)
        guard algorithm.lowercased() != "none" else {
            throw PoolError.unauthenticated("algorithm 'none' is not allowed", .algorithmNotAllowed)
        }
        guard allowed.contains(algorithm) else {
            throw PoolError.unauthenticated(
                "algorithm '\(HMACRequestVerifier.printable(algorithm))' is not allowed (security.jwt.algorithms)",
                .algorithmNotAllowed
            )
        }
        guard let keys = await collection(for: algorithm) else {
            throw PoolError.unauthenticated("no key is configured for algorithm '\(algorithm)'", .unknownKey)
        }
        let claims: JWTClaims
        do {
            claims = try await keys.verify(token, as: JWTClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw PoolError.unauthenticated("bad token signature", .badSignature)
        } catch {
            throw PoolError.unauthenticated("malformed token", .malformed)
        }
        try check(claims)
        guard let tenant = claims.strings[configuration.tenantClaim], !tenant.isEmpty else {
            throw PoolError.permissionDenied(
                "token has no '\(configuration.tenantClaim)' claim naming the tenant",
                .missingTenant
            )
        }
        let principal = AuthenticatedPrincipal(tenant: tenant, subject: claims.subject ?? "", method: .jwt)
        if let expiration = claims.expiration {
            // A token that verified stays valid until it expires (issuer, audience and key are
            // fixed for this verifier), so repeat calls skip the signature for a while.
            let until = min(
                expiration.timeIntervalSince1970 + configuration.leeway.seconds,
                now.timeIntervalSince1970 + 60
            )
            verified.store(principal, for: token, until: until)
        }
        return principal
    }

    private func check(_ claims: JWTClaims) throws {
        let now = self.now()
        let leeway = configuration.leeway.seconds
        guard let expiration = claims.expiration else {
            throw PoolError.unauthenticated("token has no exp claim", .expired)
        }
        guard now.timeIntervalSince1970 < expiration.timeIntervalSince1970 + leeway else {
            throw PoolError.unauthenticated("token expired", .expired)
        }
        if let notBefore = claims.notBefore, now.timeIntervalSince1970 + leeway < notBefore.timeIntervalSince1970 {
            throw PoolError.unauthenticated("token not valid yet (nbf is in the future)", .notYetValid)
        }
        if let issuer = configuration.issuer, claims.issuer != issuer {
            throw PoolError.unauthenticated("token issuer is not '\(issuer)'", .wrongIssuer)
        }
        if let audience = configuration.audience, !claims.audience.contains(audience) {
            throw PoolError.unauthenticated("token audience does not include '\(audience)'", .wrongAudience)
        }
    }

    /// The shortest HS* secret for `algorithm`: the size of its hash (RFC 7518 §3.2).
    public static func minimumSecretBytes(_ algorithm: String) -> Int {
        switch algorithm {
        case "HS512": return 64
        case "HS384": return 48
        default: return 32
        }
    }

    /// The `alg` of the token's header, read before any verification.
    static func algorithm(of token: String) throws -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = base64URLDecode(parts[0]),
            let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any]
        else {
            throw PoolError.unauthenticated("malformed token", .malformed)
        }
        guard let algorithm = object["alg"] as? String else {
            throw PoolError.unauthenticated("token header has no alg", .malformed)
        }
        return algorithm
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    /// The key collection for `algorithm`, built on first use (jwt-kit's collection is an actor,
    /// so keys are added asynchronously).
    private func collection(for algorithm: String) async -> JWTKeyCollection? {
        if let ready = collections.get(algorithm) { return ready }
        let keys = JWTKeyCollection()
        if algorithm.hasPrefix("HS") {
            // jwt-kit requires a key at least as long as the hash (RFC 7518 §3.2); configuration
            // loading reports shorter secrets, and a shorter one given in code is no key at all.
            guard let hmacSecret, hmacSecret.bytes.count >= Self.minimumSecretBytes(algorithm) else { return nil }
            let digest: DigestAlgorithm = algorithm == "HS512" ? .sha512 : algorithm == "HS384" ? .sha384 : .sha256
            await keys.add(hmac: HMACKey(from: hmacSecret.bytes), digestAlgorithm: digest)
        } else {
            guard let publicKey, publicKey.algorithms.contains(algorithm) else { return nil }
            await publicKey.add(to: keys, algorithm: algorithm)
        }
        return collections.insert(keys, for: algorithm)
    }

    /// Collections by algorithm; concurrent first uses may both build one, and the first stored wins.
    private final class CollectionCache: Sendable {
        private let storage = Mutex<[String: JWTKeyCollection]>([:])

        func get(_ algorithm: String) -> JWTKeyCollection? {
            storage.withLock { $0[algorithm] }
        }

        func insert(_ keys: JWTKeyCollection, for algorithm: String) -> JWTKeyCollection {
            storage.withLock { storage in
                if let existing = storage[algorithm] { return existing }
                storage[algorithm] = keys
                return keys
            }
        }
    }
}

/// Tokens that verified, with the principal they name, until they expire (at most a minute).
/// Bounded: when full, expired entries go, and if none had, the whole table is dropped.
final class VerifiedTokens: Sendable {
    private struct Entry {
        var principal: AuthenticatedPrincipal
        var until: TimeInterval
    }

    private static let capacity = 10_000
    private let entries = Mutex<[String: Entry]>([:])

    func principal(for token: String, at now: Date) -> AuthenticatedPrincipal? {
        entries.withLock { entries in
            guard let entry = entries[token] else { return nil }
            guard now.timeIntervalSince1970 < entry.until else {
                entries[token] = nil
                return nil
            }
            return entry.principal
        }
    }

    func store(_ principal: AuthenticatedPrincipal, for token: String, until: TimeInterval) {
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                let now = Date().timeIntervalSince1970
                entries = entries.filter { $0.value.until > now }
                if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[token] = Entry(principal: principal, until: until)
        }
    }
}
