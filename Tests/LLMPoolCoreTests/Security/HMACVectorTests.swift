import Foundation
import LLMPoolCore
import Testing

/// One entry of `tests/vectors/hmac.json`, the signing rules' shared test vectors (computed by
/// `tests/vectors/generate_hmac.py` with Python's `hmac` alone; the SDKs check the same file).
struct HMACVector: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var secret: String
    var keyID: String
    var method: String
    var path: String
    var timestamp: Int
    var nonce: String
    var bodyHex: String
    var bodySHA256: String
    var canonical: String
    var signature: String

    enum CodingKeys: String, CodingKey {
        case name, secret, method, path, timestamp, nonce, canonical, signature
        case keyID = "key_id"
        case bodyHex = "body_hex"
        case bodySHA256 = "body_sha256"
    }

    var testDescription: String { name }

    var body: [UInt8] {
        var bytes: [UInt8] = []
        var index = bodyHex.startIndex
        while index < bodyHex.endIndex {
            let next = bodyHex.index(index, offsetBy: 2)
            bytes.append(UInt8(bodyHex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    var headers: [String: String] {
        [
            "x-llm-pool-key-id": keyID, "x-llm-pool-timestamp": String(timestamp), "x-llm-pool-nonce": nonce,
            "x-llm-pool-signature": signature,
        ]
    }

    static let all: [HMACVector] = {
        struct File: Decodable { var vectors: [HMACVector] }
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("tests/vectors/hmac.json")
        // A missing or broken file is the test's failure, not the suite's crash: no vectors fail below.
        guard let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(File.self, from: data)
        else { return [] }
        return file.vectors
    }()
}

@Suite("HMAC signatures against the shared test vectors")
struct HMACVectorTests {
    static func verifier(for vector: HMACVector) -> HMACRequestVerifier {
        let now = Date(timeIntervalSince1970: TimeInterval(vector.timestamp))
        return HMACRequestVerifier(
            configuration: SecurityConfiguration.HMAC(
                maxSkew: .seconds(300),
                tenants: [:],
                keys: [vector.keyID: Secret(vector.secret)]
            ),
            nonceStore: InMemoryNonceStore(clock: TestClock()),
            now: { now }
        )
    }

    @Test("tests/vectors/hmac.json is present and covers HTTP and gRPC")
    func present() {
        #expect(HMACVector.all.count >= 7)
        #expect(HMACVector.all.contains { $0.path.hasPrefix("/vvtv.llmpool.v1.LlmPool/") })
        #expect(HMACVector.all.contains { $0.path.contains("?") })
    }

    @Test("the signer produces each vector's signature", arguments: HMACVector.all)
    func signer(_ vector: HMACVector) {
        let headers = HMACRequestSigner(keyID: vector.keyID, secret: Secret(vector.secret)).headers(
            method: vector.method,
            path: vector.path,
            body: vector.body,
            timestamp: vector.timestamp,
            nonce: vector.nonce
        )
        #expect(headers == vector.headers)
    }

    @Test("the verifier accepts each vector once, and refuses its replay", arguments: HMACVector.all)
    func verifier(_ vector: HMACVector) async throws {
        let verifier = Self.verifier(for: vector)
        // The server reads the method from the request line, as sent.
        let request = AuthenticationRequest(
            method: vector.method,
            path: vector.path,
            headers: vector.headers,
            body: vector.body
        )
        let principal = try await verifier.verify(request)
        #expect(principal == AuthenticatedPrincipal(tenant: vector.keyID, subject: vector.keyID, method: .hmac))
        await #expect(throws: PoolError.self) { try await verifier.verify(request) }
    }

    @Test("changing any signed part of a vector breaks its signature", arguments: HMACVector.all)
    func tampered(_ vector: HMACVector) async throws {
        func refused(_ change: (inout AuthenticationRequest) -> Void) async -> String? {
            var request = AuthenticationRequest(
                method: vector.method,
                path: vector.path,
                headers: vector.headers,
                body: vector.body
            )
            change(&request)
            do {
                _ = try await Self.verifier(for: vector).verify(request)
                return nil
            } catch {
                return (error as? PoolError)?.message
            }
        }
        #expect(await refused { $0.method = $0.method.uppercased() == "POST" ? "PUT" : "POST" } == "signature mismatch")
        #expect(await refused { $0.path += "x" } == "signature mismatch")
        #expect(await refused { $0.body.append(0x20) } == "signature mismatch")
        #expect(await refused { $0.headers["x-llm-pool-nonce"] = "other" } == "signature mismatch")
        #expect(
            await refused { $0.headers["x-llm-pool-timestamp"] = String(vector.timestamp + 1) } == "signature mismatch"
        )
        #expect(await refused { $0.headers["x-llm-pool-timestamp"] = String(vector.timestamp - 301) } != nil)
    }
}
