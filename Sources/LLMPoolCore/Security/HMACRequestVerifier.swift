import Crypto
import Foundation
import LLMPoolObservability

/// Verifies requests signed with llm-pool's HMAC scheme (see ``HMACRequestSigner`` for the headers
/// and the signed text).
///
/// A request passes when its key id is configured, its timestamp is within `maxSkew` of the
/// server's clock, its signature matches (compared in constant time) and its nonce was not seen
/// before. Nonces are remembered for twice the skew window, which covers every timestamp that
/// could still pass; they are recorded only after the signature checks out, so unauthenticated
/// callers cannot fill the store.
public struct HMACRequestVerifier: Sendable {
    private let keys: [String: SymmetricKey]
    private let configuration: SecurityConfiguration.HMAC
    private let nonces: any NonceStore
    private let now: @Sendable () -> Date

    /// Creates a verifier.
    /// - Parameters:
    ///   - configuration: The keys, their tenants and the skew window.
    ///   - nonceStore: Where seen nonces are remembered.
    ///   - now: The wall clock (tests pass a fixed time).
    public init(
        configuration: SecurityConfiguration.HMAC,
        nonceStore: any NonceStore,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.keys = configuration.keys.mapValues { SymmetricKey(data: $0.bytes) }
        self.configuration = configuration
        self.nonces = nonceStore
        self.now = now
    }

    /// Checks the request's signature headers.
    /// - Returns: The principal: the key id's tenant, the key id as subject.
    /// - Throws: ``PoolError`` `unauthenticated` (missing or malformed headers, unknown key id,
    ///   timestamp outside the window, signature mismatch, nonce already used) or `unavailable`
    ///   when the nonce store cannot be reached. Messages never contain secrets.
    public func verify(_ request: AuthenticationRequest) async throws -> AuthenticatedPrincipal {
        let headers = request.headers
        var missing: [String] = []
        func header(_ name: String) -> String {
            guard let value = headers[name], !value.isEmpty else {
                missing.append(name)
                return ""
            }
            return value
        }
        let keyID = header(HMACRequestSigner.keyIDHeader)
        let timestamp = header(HMACRequestSigner.timestampHeader)
        let nonce = header(HMACRequestSigner.nonceHeader)
        let signature = header(HMACRequestSigner.signatureHeader)
        guard missing.isEmpty else {
            throw PoolError.unauthenticated(
                "incomplete HMAC signature: missing \(missing.joined(separator: ", "))",
                .malformed
            )
        }
        guard let key = keys[keyID] else {
            throw PoolError.unauthenticated("unknown key id '\(Self.printable(keyID))'", .unknownKey)
        }
        guard let seconds = Int(timestamp) else {
            throw PoolError.unauthenticated("\(HMACRequestSigner.timestampHeader) must be unix seconds", .malformed)
        }
        let skew = abs(now().timeIntervalSince1970 - Double(seconds))
        guard skew <= configuration.maxSkew.seconds else {
            throw PoolError.unauthenticated(
                "timestamp outside the \(Self.describe(configuration.maxSkew)) window",
                .clockSkew
            )
        }
        guard (1...128).contains(nonce.utf8.count), nonce.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw PoolError.unauthenticated(
                "\(HMACRequestSigner.nonceHeader) must be 1 to 128 visible ASCII characters",
                .malformed
            )
        }
        guard let mac = Hex.decode(signature),
            HMAC<SHA256>.isValidAuthenticationCode(
                mac,
                authenticating: HMACRequestSigner.canonicalMessage(
                    method: request.method,
                    path: request.path,
                    timestamp: timestamp,
                    nonce: nonce,
                    body: request.body
                ),
                using: key
            )
        else {
            throw PoolError.unauthenticated("signature mismatch", .badSignature)
        }
        let fresh: Bool
        do {
            // Scoped by key id, so two tenants choosing the same nonce do not collide.
            fresh = try await nonces.insertIfAbsent("\(keyID):\(nonce)", ttl: configuration.maxSkew * 2)
        } catch {
            throw PoolError(
                code: .unavailable,
                message: "cannot check the nonce: the nonce store is unavailable",
                cause: AuthenticationFailure(.storeUnavailable)
            )
        }
        guard fresh else {
            throw PoolError.unauthenticated("nonce already used", .replayedNonce)
        }
        return AuthenticatedPrincipal(tenant: configuration.tenant(forKeyID: keyID), subject: keyID, method: .hmac)
    }

    /// `300 s`, or `1.5 s`.
    static func describe(_ duration: Duration) -> String {
        let value = duration.seconds
        return value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    /// A caller-supplied value, shortened and stripped of control characters before it is echoed.
    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.prefix(64).filter { $0.value >= 0x20 && $0.value != 0x7f }.map(Character.init))
    }
}
