import Crypto
import Foundation
import LLMPoolObservability

/// Signs requests with llm-pool's HMAC scheme; used by clients and tests, and by
/// ``HMACRequestVerifier`` to compute the expected signature.
///
/// A signed request carries four headers (gRPC: metadata keys of the same names):
///
/// | header | value |
/// |---|---|
/// | `x-llm-pool-key-id` | the key id |
/// | `x-llm-pool-timestamp` | the time of signing, in unix seconds |
/// | `x-llm-pool-nonce` | a value never used before with this key (1 to 128 visible ASCII characters) |
/// | `x-llm-pool-signature` | `hex(HMAC-SHA256(secret, METHOD "\n" PATH "\n" TIMESTAMP "\n" NONCE "\n" hex(SHA256(body))))` |
///
/// `METHOD` is the upper-case HTTP method and `PATH` the request path (with `?query` when there
/// is one). Over gRPC, `METHOD` is `POST`, `PATH` is the method path such as
/// `/vvtv.llmpool.v1.LlmPool/Infer` and the body is the request message serialized
/// deterministically (map entries ordered by key, as `deterministic=True` in Python or
/// `Deterministic: true` in Go). Hex is lower case.
///
/// ```swift
/// let signer = HMACRequestSigner(keyID: "team-a", secret: Secret("s3cret"))
/// let headers = signer.headers(method: "POST", path: "/v1/infer", body: Array(body))
/// ```
public struct HMACRequestSigner: Sendable {
    /// `x-llm-pool-key-id`.
    public static let keyIDHeader = "x-llm-pool-key-id"
    /// `x-llm-pool-timestamp`.
    public static let timestampHeader = "x-llm-pool-timestamp"
    /// `x-llm-pool-nonce`.
    public static let nonceHeader = "x-llm-pool-nonce"
    /// `x-llm-pool-signature`.
    public static let signatureHeader = "x-llm-pool-signature"

    /// The key id sent in `x-llm-pool-key-id`.
    public let keyID: String
    private let key: SymmetricKey

    /// Creates a signer for one key.
    public init(keyID: String, secret: Secret) {
        self.keyID = keyID
        self.key = SymmetricKey(data: secret.bytes)
    }

    /// The four headers for a request, lower-case names to values.
    /// - Parameters:
    ///   - method: The HTTP method (`POST` for gRPC).
    ///   - path: The request path, or the gRPC method path.
    ///   - body: The body bytes, or the serialized gRPC request message.
    ///   - timestamp: Unix seconds; defaults to now.
    ///   - nonce: A fresh value; defaults to 128 random bits in hex.
    public func headers(
        method: String,
        path: String,
        body: some Sequence<UInt8>,
        timestamp: Int = Int(Date().timeIntervalSince1970),
        nonce: String = HMACRequestSigner.randomNonce()
    ) -> [String: String] {
        let stamp = String(timestamp)
        return [
            Self.keyIDHeader: keyID,
            Self.timestampHeader: stamp,
            Self.nonceHeader: nonce,
            Self.signatureHeader: Hex.encode(
                Self.authenticationCode(
                    key: key,
                    method: method,
                    path: path,
                    timestamp: stamp,
                    nonce: nonce,
                    body: body
                )
            ),
        ]
    }

    /// 128 random bits in lower-case hex.
    public static func randomNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// The text that is signed: `METHOD\nPATH\nTIMESTAMP\nNONCE\nhex(SHA256(body))`.
    static func canonicalMessage(
        method: String,
        path: String,
        timestamp: String,
        nonce: String,
        body: some Sequence<UInt8>
    ) -> [UInt8] {
        let bodyHash = Hex.encode(SHA256.hash(data: Array(body)))
        return Array("\(method.uppercased())\n\(path)\n\(timestamp)\n\(nonce)\n\(bodyHash)".utf8)
    }

    static func authenticationCode(
        key: SymmetricKey,
        method: String,
        path: String,
        timestamp: String,
        nonce: String,
        body: some Sequence<UInt8>
    ) -> HMAC<SHA256>.MAC {
        HMAC<SHA256>.authenticationCode(
            for: canonicalMessage(method: method, path: path, timestamp: timestamp, nonce: nonce, body: body),
            using: key
        )
    }
}
