import Foundation

/// What a front door hands the ``Authenticator``: the parts of a request that credentials cover.
public struct AuthenticationRequest: Sendable {
    /// Header names the authenticator reads; front doors copy these (lower-cased) into ``headers``.
    public static let headerNames: [String] = [
        "authorization", HMACRequestSigner.keyIDHeader, HMACRequestSigner.timestampHeader,
        HMACRequestSigner.nonceHeader, HMACRequestSigner.signatureHeader,
    ]

    /// The HTTP method; `POST` for gRPC.
    public var method: String
    /// The request path (with `?query` when there is one), or the gRPC method path.
    public var path: String
    /// Header or metadata values by lower-case name (the first value of each).
    public var headers: [String: String]
    /// The body, or the serialized gRPC request message. Only HMAC-signed requests need it.
    public var body: [UInt8]

    /// Creates a request.
    public init(method: String, path: String, headers: [String: String], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }

    /// Whether the request carries an HMAC signature (and so needs its body).
    public var isHMACSigned: Bool {
        headers[HMACRequestSigner.signatureHeader] != nil
    }

    /// The token of an `authorization: Bearer <token>` header.
    public var bearerToken: String? {
        guard let value = headers["authorization"] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
