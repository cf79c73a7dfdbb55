import Foundation
import JWTKit

/// The claims of a bearer token: the registered ones llm-pool checks, and every string claim by
/// name (the tenant claim is configurable).
///
/// `verify(using:)` checks nothing: ``JWTVerifier`` checks `exp`, `nbf`, `iss` and `aud` itself,
/// against its injected clock and with its leeway.
struct JWTClaims: JWTPayload {
    var expiration: Date?
    var notBefore: Date?
    var issuer: String?
    var audience: [String]
    var subject: String?
    var strings: [String: String]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        func date(_ name: String) throws -> Date? {
            guard container.contains(Key(stringValue: name)) else { return nil }
            return Date(timeIntervalSince1970: try container.decode(Double.self, forKey: Key(stringValue: name)))
        }
        expiration = try date("exp")
        notBefore = try date("nbf")
        if let single = try? container.decode(String.self, forKey: Key(stringValue: "aud")) {
            audience = [single]
        } else {
            audience = (try? container.decode([String].self, forKey: Key(stringValue: "aud"))) ?? []
        }
        var strings: [String: String] = [:]
        for key in container.allKeys {
            if let value = try? container.decode(String.self, forKey: key) { strings[key.stringValue] = value }
        }
        issuer = strings["iss"]
        subject = strings["sub"]
        self.strings = strings
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (name, value) in strings { try container.encode(value, forKey: Key(stringValue: name)) }
        if let expiration { try container.encode(expiration.timeIntervalSince1970, forKey: Key(stringValue: "exp")) }
        if let notBefore { try container.encode(notBefore.timeIntervalSince1970, forKey: Key(stringValue: "nbf")) }
        if !audience.isEmpty, strings["aud"] == nil { try container.encode(audience, forKey: Key(stringValue: "aud")) }
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
