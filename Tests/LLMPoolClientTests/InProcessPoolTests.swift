import GRPCCore
import LLMPoolClient
import LLMPoolProto
import LLMPoolTesting
import SwiftProtobuf
import Testing

@Suite("Swift client against an in-process pool")
struct InProcessPoolTests {
    static func providers() -> [ScriptedProvider] {
        [
            ScriptedProvider(
                name: "a",
                model: "phi3:mini",
                behaviour: .answer("alpha beta gamma", delay: .milliseconds(5))
            )
        ]
    }

    static func query(_ input: String = "swift", task: String = "expand_queries") -> Vvtv_Llmpool_V1_Query {
        .with {
            $0.task = task
            $0.input = input
            $0.deadlineMs = 5000
        }
    }

    static func events(_ sequence: some AsyncSequence<StreamEvent, any Error>) async throws -> [StreamEvent] {
        var events: [StreamEvent] = []
        for try await event in sequence { events.append(event) }
        return events
    }

    static func checkStream(_ events: [StreamEvent]) throws {
        #expect(events.first == .started(provider: "a", model: "phi3:mini"))
        guard case .final(let answer) = try #require(events.last) else {
            Issue.record("the last event is not final: \(events)")
            return
        }
        let text = events.compactMap { if case .delta(let piece) = $0 { piece } else { nil } }.joined()
        #expect(!text.isEmpty && text == answer.text)
        #expect(answer.provider == "a")
    }

    @Test("HTTP: infer, inferStream, health and a typed 404")
    func http() async throws {
        try await ClientTestPool.withHTTP(Self.providers()) { url in
            let pool = LLMPoolHTTPClient(baseURL: url, retry: .none)
            let answer = try await pool.infer(Self.query())
            #expect(answer.text == "alpha beta gamma")
            #expect(answer.strategy == .fastest && answer.decision.winner == "a")
            try Self.checkStream(try await pool.inferStream(Self.query()) { try await Self.events($0) })
            let health = try await pool.health()
            #expect(health.status == .serving && health.providers.map(\.name) == ["a"])
            let error = await #expect(throws: LLMPoolClientError.self) {
                try await pool.infer(Self.query(task: "nope"))
            }
            #expect(error?.code == .notFound && error?.status == 404)
            #expect(error?.message.contains("unknown task 'nope'") == true)
            let empty = await #expect(throws: LLMPoolClientError.self) { try await pool.infer(Self.query("")) }
            #expect(empty?.code == .invalidArgument)
        }
    }

    @Test("HTTP: signed requests pass, unsigned and wrongly signed ones do not")
    func httpSigned() async throws {
        try await ClientTestPool.withHTTP(Self.providers(), secured: true) { url in
            let credentials = Credentials.hmac(keyID: ClientTestPool.keyID, secret: ClientTestPool.secret)
            let pool = LLMPoolHTTPClient(baseURL: url, credentials: credentials, retry: .none)
            #expect(try await pool.infer(Self.query()).text == "alpha beta gamma")
            try Self.checkStream(try await pool.inferStream(Self.query()) { try await Self.events($0) })
            let unsigned = await #expect(throws: LLMPoolClientError.self) {
                try await LLMPoolHTTPClient(baseURL: url, retry: .none).infer(Self.query())
            }
            #expect(unsigned?.code == .unauthenticated && unsigned?.status == 401)
            let wrong = LLMPoolHTTPClient(
                baseURL: url,
                credentials: .hmac(keyID: "team-a", secret: "guess"),
                retry: .none
            )
            let mismatch = await #expect(throws: LLMPoolClientError.self) { try await wrong.infer(Self.query()) }
            #expect(mismatch?.message == "signature mismatch")
        }
    }

    @Test("gRPC: infer, inferStream, health and typed errors")
    func grpc() async throws {
        try await ClientTestPool.withGRPC(Self.providers()) { client in
            let pool = LLMPoolGRPCClient(wrapping: client, retry: .none)
            let answer = try await pool.infer(Self.query())
            #expect(answer.text == "alpha beta gamma" && answer.decision.winner == "a")
            try Self.checkStream(try await pool.inferStream(Self.query()) { try await Self.events($0) })
            #expect(try await pool.health().providers.map(\.name) == ["a"])
            let error = await #expect(throws: LLMPoolClientError.self) {
                try await pool.infer(Self.query(task: "nope"))
            }
            #expect(error?.code == .notFound)
            let stream = await #expect(throws: LLMPoolClientError.self) {
                try await pool.inferStream(Self.query(task: "nope")) { try await Self.events($0) }
            }
            #expect(stream?.code == .notFound)
        }
    }

    @Test("gRPC: signed messages pass, unsigned ones are UNAUTHENTICATED")
    func grpcSigned() async throws {
        try await ClientTestPool.withGRPC(Self.providers(), secured: true) { client in
            let credentials = Credentials.hmac(keyID: ClientTestPool.keyID, secret: ClientTestPool.secret)
            let pool = LLMPoolGRPCClient(wrapping: client, credentials: credentials, retry: .none)
            #expect(try await pool.infer(Self.query()).text == "alpha beta gamma")
            try Self.checkStream(try await pool.inferStream(Self.query()) { try await Self.events($0) })
            let unsigned = await #expect(throws: LLMPoolClientError.self) {
                try await LLMPoolGRPCClient(wrapping: client, retry: .none).infer(Self.query())
            }
            #expect(unsigned?.code == .unauthenticated)
        }
    }
}
