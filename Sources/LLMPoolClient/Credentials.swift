import LLMPoolCore

/// How a client proves who it is: llm-pool's HMAC request signature or a bearer JWT.
///
/// ```swift
/// let credentials = Credentials.hmac(keyID: "team-a", secret: "s3cret")
/// ```
public enum Credentials: Sendable {
    /// The four `x-llm-pool-*` signature headers, made by the server's own ``HMACRequestSigner``.
    case hmac(HMACRequestSigner)
    /// `authorization: Bearer <token>`.
    case bearer(String)

    /// HMAC signatures with one key id and its secret.
    public static func hmac(keyID: String, secret: String) -> Credentials {
        .hmac(HMACRequestSigner(keyID: keyID, secret: Secret(secret)))
    }

    /// The headers (or gRPC metadata) for one attempt of a request.
    /// - Parameters:
    ///   - method: The HTTP method; `POST` for gRPC.
    ///   - path: The path the server sees, with its `?query`; the method path for gRPC.
    ///   - body: The body bytes; the deterministic serialization of the message for gRPC.
    public func headers(method: String, path: String, body: [UInt8]) -> [(name: String, value: String)] {
        switch self {
        case .hmac(let signer):
            return signer.headers(method: method, path: path, body: body).sorted { $0.key < $1.key }
                .map { (name: $0.key, value: $0.value) }
        case .bearer(let token):
            return [(name: "authorization", value: "Bearer \(token)")]
        }
    }
}
