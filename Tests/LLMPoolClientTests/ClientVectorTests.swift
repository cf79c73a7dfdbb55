import Foundation
import LLMPoolClient
import LLMPoolCore
import LLMPoolProto
import SwiftProtobuf
import Testing

/// `tests/vectors/hmac.json`, read as the SDKs read it.
struct Vector: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var secret: String
    var key_id: String
    var method: String
    var path: String
    var timestamp: Int
    var nonce: String
    var body_hex: String
    var signature: String

    var testDescription: String { name }

    var body: [UInt8] {
        stride(from: 0, to: body_hex.count, by: 2).map {
            let start = body_hex.index(body_hex.startIndex, offsetBy: $0)
            return UInt8(body_hex[start..<body_hex.index(start, offsetBy: 2)], radix: 16)!
        }
    }

    static let all: [Vector] = {
        struct File: Decodable { var vectors: [Vector] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("tests/vectors/hmac.json")
        guard let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(File.self, from: data)
        else { return [] }
        return file.vectors
    }()
}

@Suite("Swift client signing against the shared vectors")
struct ClientVectorTests {
    @Test("the vectors are there")
    func present() {
        #expect(Vector.all.count >= 7)
    }

    @Test("Credentials.hmac signs each vector as expected", arguments: Vector.all)
    func signs(_ vector: Vector) throws {
        // The signer makes its own nonce and timestamp: sign with the vector's through the core signer
        // the credentials wrap, and check the header set the credentials produce has the same names.
        guard case .hmac(let signer) = Credentials.hmac(keyID: vector.key_id, secret: vector.secret) else {
            Issue.record("not an HMAC credential")
            return
        }
        let headers = signer.headers(
            method: vector.method,
            path: vector.path,
            body: vector.body,
            timestamp: vector.timestamp,
            nonce: vector.nonce
        )
        #expect(headers["x-llm-pool-signature"] == vector.signature)
        #expect(headers["x-llm-pool-key-id"] == vector.key_id)
        let names = Credentials.hmac(keyID: vector.key_id, secret: vector.secret)
            .headers(method: vector.method, path: vector.path, body: vector.body).map(\.name)
        #expect(names == ["x-llm-pool-key-id", "x-llm-pool-nonce", "x-llm-pool-signature", "x-llm-pool-timestamp"])
    }

    @Test("the gRPC vector's body is the deterministic serialization of its Query, as the client signs it")
    func grpcBody() throws {
        let vector = try #require(Vector.all.first { $0.path == "/vvtv.llmpool.v1.LlmPool/Infer" })
        let query = Vvtv_Llmpool_V1_Query.with {
            $0.task = "expand_queries"
            $0.input = "swift"
            $0.deadlineMs = 3000
            $0.metadata = ["zeta": "1", "alpha": "2", "max_queries": "5"]
        }
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        let bytes: [UInt8] = try query.serializedBytes(options: options)
        #expect(bytes == vector.body)
    }

    @Test("the retry policy waits as asked, within its limits")
    func retryPolicy() {
        let policy = RetryPolicy(maxRetries: 2, maxWait: .seconds(30))
        let limited = LLMPoolClientError(code: .resourceExhausted, message: "slow down", retryAfter: .seconds(12))
        #expect(policy.delay(attempt: 0, after: limited) == .seconds(12))
        #expect(policy.delay(attempt: 2, after: limited) == nil)
        var tooLong = limited
        tooLong.retryAfter = .seconds(31)
        #expect(policy.delay(attempt: 0, after: tooLong) == nil)
        #expect(
            policy.delay(attempt: 1, after: LLMPoolClientError(code: .unavailable, message: "")) == .milliseconds(500)
        )
        #expect(policy.delay(attempt: 0, after: LLMPoolClientError(code: .invalidArgument, message: "")) == nil)
    }
}
