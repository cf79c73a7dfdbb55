import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import LLMPoolCore
import LLMPoolServer
import Logging
import NIOCore
import NIOFoundationCompat
import Testing

/// What an upstream answers beyond text reaches the client: `logprobs`, further choices (`n` > 1),
/// `system_fingerprint`, usage details, plain and streamed. The upstream is a canned
/// OpenAI-compatible server (the simulator answers none of these), the pool the real assembly.
@Suite("Upstream extras end to end", .timeLimit(.minutes(1)))
struct UpstreamExtrasEndToEndTests {
    static let logprobs = #"""
        {"content":[{"token":"Par","logprob":-0.1,"bytes":[80,97,114],"top_logprobs":[]},
                    {"token":"is","logprob":-0.2,"bytes":[105,115],"top_logprobs":[]}]}
        """#
    static let usage = #"""
        {"prompt_tokens":5,"completion_tokens":2,"total_tokens":7,
         "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":1}}
        """#

    /// The answer, whole: the upstream's `chat.completion`.
    static let completion = #"""
        {"id":"up-1","object":"chat.completion","created":1,"model":"gpt-x","system_fingerprint":"fp_123",
         "service_tier":"default",
         "choices":[
           {"index":0,"message":{"role":"assistant","content":"Paris","refusal":null,"annotations":[]},
            "logprobs":\#(logprobs),"finish_reason":"stop"},
           {"index":1,"message":{"role":"assistant","content":"Lyon"},"logprobs":null,"finish_reason":"stop"}],
         "usage":\#(usage)}
        """#

    /// The same answer streamed (whether the pool asked for a stream or streams every call).
    static let chunks = [
        #"{"choices":[{"index":0,"delta":{"role":"assistant","content":"","annotations":[]},"logprobs":null,"#
            + #""finish_reason":null}]}"#,
        #"{"choices":[{"index":0,"delta":{"content":"Par"},"logprobs":{"content":[{"token":"Par","logprob":-0.1,"#
            + #""bytes":[80,97,114],"top_logprobs":[]}]}}]}"#,
        #"{"choices":[{"index":1,"delta":{"role":"assistant","content":"Ly"},"finish_reason":null}]}"#,
        #"{"choices":[{"index":0,"delta":{"content":"is"},"logprobs":{"content":[{"token":"is","logprob":-0.2,"#
            + #""bytes":[105,115],"top_logprobs":[]}]},"finish_reason":"stop"}]}"#,
        #"{"choices":[{"index":1,"delta":{"content":"on"},"finish_reason":"stop"}]}"#,
        #"{"choices":[],"usage":"# + (try! JSONValue(parsing: usage)).canonicalText + "}",
    ].map {
        #"{"id":"up-2","object":"chat.completion.chunk","created":1,"model":"gpt-x","system_fingerprint":"fp_123","#
            + #""service_tier":"default","# + $0.dropFirst()
    }

    /// Runs the canned upstream around `body`, passing its port.
    static func withUpstream(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.post("/v1/chat/completions") { request, _ -> Response in
            let sent = try JSONValue(parsing: Data(buffer: try await request.body.collect(upTo: 1 << 20)))
            guard sent["stream"] == true else {
                return Response(
                    status: .ok,
                    headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: completion))
                )
            }
            let events = chunks.map { "data: \($0)\n\n" }.joined() + "data: [DONE]\n\n"
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream"],
                body: .init(byteBuffer: ByteBuffer(string: events))
            )
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let upstream = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
            logger: Logger(label: "canned-upstream")
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await upstream.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(port)
            group.cancelAll()
        }
    }

    static func provider(port: Int) -> ProviderConfiguration {
        ProviderConfiguration(name: "canned", kind: .openai, baseURL: "http://127.0.0.1:\(port)/v1", model: "gpt-x")
    }

    /// Runs the canned upstream and a pool whose model `gpt-x` points at it.
    static func withPool(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await withUpstream { port in
            var config = PoolConfiguration()
            config.providers = [provider(port: port)]
            let components = try PoolComponents(
                configuration: config,
                httpClient: HTTPClient.shared,
                logger: Logger(label: "extras")
            )
            try await Application(router: components.httpServer.router()).test(.router) { client in
                try await body(client)
            }
        }
    }

    static func post(_ client: any TestClientProtocol, _ json: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/chat/completions",
            method: .post,
            headers: [.contentType: "application/json"],
            body: ByteBuffer(string: json)
        )
    }

    @Test(
        "a whole answer: logprobs, the second choice, system_fingerprint and usage details are relayed; n > 1 is not cached"
    )
    func plain() async throws {
        try await Self.withPool { client in
            let upstream = try JSONValue(parsing: Self.completion)
            let request =
                #"{"model":"gpt-x","n":2,"logprobs":true,"temperature":0,"messages":[{"role":"user","content":"?"}]}"#
            let response = try await Self.post(client, request)
            #expect(response.status == .ok)
            let body = try JSONValue(parsing: String(buffer: response.body))
            let choices = try #require(body["choices"]?.arrayValue)
            #expect(choices.count == 2)
            #expect(choices[0]["message"]?["content"] == "Paris")
            #expect(choices[0]["message"]?["annotations"] == [])
            #expect(choices[0]["logprobs"] == upstream["choices"]?.arrayValue?[0]["logprobs"])
            #expect(choices[1] == upstream["choices"]?.arrayValue?[1])
            #expect(body["system_fingerprint"] == "fp_123")
            #expect(body["service_tier"] == "default")
            #expect(body["usage"] == upstream["usage"])
            #expect(body["model"] == "gpt-x")
            #expect(response.headers[.init("X-LLM-Pool-Cache")!] == "miss")
            let again = try await Self.post(client, request)
            #expect(again.headers[.init("X-LLM-Pool-Cache")!] == "miss")
        }
    }

    @Test("a stream: logprobs and the other choice's deltas are relayed, the usage chunk keeps its details")
    func streamed() async throws {
        try await Self.withPool { client in
            let response = try await Self.post(
                client,
                #"{"model":"gpt-x","n":2,"stream":true,"stream_options":{"include_usage":true},"#
                    + #""messages":[{"role":"user","content":"?"}]}"#
            )
            #expect(response.status == .ok)
            let chunks = try String(buffer: response.body).components(separatedBy: "\n\n").compactMap { block in
                block.hasPrefix("data: {") ? try JSONValue(parsing: String(block.dropFirst(6))) : nil
            }
            var text: [Int: String] = [:]
            var finish: [Int: String] = [:]
            var tokens: [String] = []
            for chunk in chunks {
                for choice in chunk["choices"]?.arrayValue ?? [] {
                    let index = choice["index"]?.intValue ?? -1
                    text[index, default: ""] += choice["delta"]?["content"]?.stringValue ?? ""
                    if let reason = choice["finish_reason"]?.stringValue { finish[index] = reason }
                    for token in choice["logprobs"]?["content"]?.arrayValue ?? [] {
                        tokens.append(token["token"]?.stringValue ?? "")
                    }
                }
            }
            #expect(text == [0: "Paris", 1: "Lyon"])
            #expect(finish == [0: "stop", 1: "stop"])
            #expect(tokens == ["Par", "is"])
            let last = try #require(chunks.last)
            let usage = try #require(last["usage"])
            #expect(usage == (try JSONValue(parsing: Self.usage)))
            #expect(last["system_fingerprint"] == "fp_123")
            // The other choice's deltas as the upstream sent them, role included.
            let other = chunks.compactMap { $0["choices"]?.arrayValue?.first }.filter { $0["index"] == 1 }
            #expect(other.first?["delta"] == ["role": "assistant", "content": "Ly"])
        }
    }

    @Test("a stream assembles into the answer a plain call gets: every choice, logprobs, usage details")
    func assembled() async throws {
        try await Self.withUpstream { port in
            let provider = try OpenAICompatibleProvider(configuration: Self.provider(port: port), httpClient: .shared)
            let request = ProviderRequest(
                messages: [.user("?")],
                maxTokens: 8,
                temperature: 0,
                timeout: .seconds(10),
                options: ["n": 2, "logprobs": true]
            )
            let whole = try await provider.complete(request)
            let streamed = try await provider.streamPieces(request) { _ in }
            #expect(streamed.text == whole.text)
            #expect(streamed.finishReason == whole.finishReason)
            #expect(streamed.usage == whole.usage)
            #expect(streamed.extras == whole.extras)
            #expect(whole.extras.otherChoices.count == 1)
        }
    }
}
