import JWTKit

/// A public key read from PEM (`BEGIN PUBLIC KEY` or `BEGIN CERTIFICATE`) for verifying RS*, PS*
/// or ES* tokens. The key's type decides which algorithms it may verify, so a token cannot pick
/// an algorithm family its key was not meant for.
enum JWTPublicKey: Sendable {
    case rsa(Insecure.RSA.PublicKey)
    case p256(ES256PublicKey)
    case p384(ES384PublicKey)
    case p521(ES512PublicKey)

    /// Parses the PEM text.
    /// - Throws: ``PoolError`` `invalidConfiguration` when it is not an RSA or EC public key or certificate.
    init(pem: String) throws {
        let isCertificate = pem.contains("BEGIN CERTIFICATE")
        if let key = try?
            (isCertificate ? Insecure.RSA.PublicKey(certificatePEM: pem) : Insecure.RSA.PublicKey(pem: pem))
        {
            self = .rsa(key)
        } else if let key = try? (isCertificate ? ES256PublicKey(certificate: pem) : ES256PublicKey(pem: pem)) {
            self = .p256(key)
        } else if let key = try? (isCertificate ? ES384PublicKey(certificate: pem) : ES384PublicKey(pem: pem)) {
            self = .p384(key)
        } else if let key = try? (isCertificate ? ES512PublicKey(certificate: pem) : ES512PublicKey(pem: pem)) {
            self = .p521(key)
        } else {
            throw PoolError(
                code: .invalidConfiguration,
                message: "not a PEM RSA (2048 bits or more) or EC (P-256, P-384, P-521) public key or certificate"
            )
        }
    }

    /// The algorithms this key verifies.
    var algorithms: Set<String> {
        switch self {
        case .rsa: return ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]
        case .p256: return ["ES256"]
        case .p384: return ["ES384"]
        case .p521: return ["ES512"]
        }
    }

    /// Adds this key to `keys` as the verifier of `algorithm` (one of ``algorithms``).
    func add(to keys: JWTKeyCollection, algorithm: String) async {
        switch self {
        case .rsa(let key):
            let digest: DigestAlgorithm =
                algorithm.hasSuffix("512") ? .sha512 : algorithm.hasSuffix("384") ? .sha384 : .sha256
            if algorithm.hasPrefix("PS") {
                await keys.add(pss: key, digestAlgorithm: digest)
            } else {
                await keys.add(rsa: key, digestAlgorithm: digest)
            }
        case .p256(let key): await keys.add(ecdsa: key)
        case .p384(let key): await keys.add(ecdsa: key)
        case .p521(let key): await keys.add(ecdsa: key)
        }
    }
}
