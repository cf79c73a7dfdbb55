import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LLMPoolCore
import LLMPoolServer
import LLMPoolTesting
import NIOCore
import Testing

@Suite("HTTP API end to end")
struct HTTPEndToEndTests {
    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    @Test("POST /v1/infer takes a Query and returns an Answer with its decision")
    func infer() async throws {
        let a = ScriptedProvider(name: "a", model: "phi3:mini", behaviour: .answer("q1 q2", delay: .zero))
        try await HTTPTestSupport.app([a]).test(.router) { client in
            let body = HTTPTestSupport.json([
                "task": "expand_queries", "input": "swift", "strategy": "FASTEST", "maxTokens": 16,
                "metadata": ["k": "v"],
            ])
            try await client.execute(
                uri: "/v1/infer",
                method: .post,
                headers: Self.jsonHeaders + [.init("X-Request-Id")!: "req-42"],
                body: body
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.init("X-Request-Id")!] == "req-42")
                let answer = try HTTPTestSupport.object(response.body)
                #expect(answer["requestId"] as? String == "req-42")
                #expect(answer["text"] as? String == "q1 q2")
                #expect(answer["model"] as? String == "phi3:mini")
                #expect(answer["strategy"] as? String == "FASTEST")
                let decision = try #require(answer["decision"] as? [String: Any])
                #expect(decision["winner"] as? String == "a")
                let candidates = try #require(decision["candidates"] as? [[String: Any]])
                #expect(candidates.first?["outcome"] as? String == "WON")
            }
            #expect(a.requests.first?.maxTokens == 16)
        }
    }

    @Test("snake_case field names are accepted, as proto3 JSON requires")
    func snakeCase() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("ok", delay: .zero))
        try await HTTPTestSupport.app([a]).test(.router) { client in
            let body = HTTPTestSupport.json([
                "task": "expand_queries", "input": "swift", "max_tokens": 7, "request_id": "abc",
            ])
            try await client.execute(uri: "/v1/infer", method: .post, headers: Self.jsonHeaders, body: body) {
                response in
                #expect(response.status == .ok)
                let object = try HTTPTestSupport.object(response.body)
                #expect(object["requestId"] as? String == "abc")
            }
            #expect(a.requests.first?.maxTokens == 7)
        }
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var name: String
        var uri: String
        var body: String
        var status: Int
        var message: String
        var testDescription: String { name }
    }

    static let errorCases: [ErrorCase] = [
        .init(
            name: "unknown task",
            uri: "/v1/infer",
            body: #"{"task":"nope","input":"x"}"#,
            status: 404,
            message: "unknown task 'nope'"
        ),
        .init(
            name: "empty input",
            uri: "/v1/infer",
            body: #"{"task":"expand_queries","input":""}"#,
            status: 400,
            message: "input must not be empty"
        ),
        .init(
            name: "bad strategy",
            uri: "/v1/infer",
            body: #"{"task":"expand_queries","input":"x","strategy":"RANDOM"}"#,
            status: 400,
            message: "strategy must be one of"
        ),
        .init(
            name: "malformed JSON",
            uri: "/v1/infer",
            body: #"{"task":"#,
            status: 400,
            message: "malformed Query JSON"
        ),
        .init(
            name: "unknown field",
            uri: "/v1/infer",
            body: #"{"task":"expand_queries","input":"x","bogus":1}"#,
            status: 400,
            message: "unknown field"
        ),
        .init(
            name: "prompt too large",
            uri: "/v1/infer",
            body: #"{"task":"expand_queries","input":"\#(String(repeating: "x", count: 1500))"}"#,
            status: 413,
            message: "the limit is 1000"
        ),
        .init(
            name: "body too large",
            uri: "/v1/infer",
            body: #"{"task":"expand_queries","input":"\#(String(repeating: "x", count: 5000))"}"#,
            status: 413,
            message: "server.max_body_bytes"
        ),
        .init(
            name: "chat unknown model",
            uri: "/v1/chat/completions",
            body: #"{"model":"gpt-9","messages":[{"role":"user","content":"hi"}]}"#,
            status: 404,
            message: "unknown model 'gpt-9'"
        ),
        .init(
            name: "chat no messages",
            uri: "/v1/chat/completions",
            body: #"{"model":"pool/expand_queries","messages":[]}"#,
            status: 400,
            message: "at least one message"
        ),
        .init(
            name: "chat missing model",
            uri: "/v1/chat/completions",
            body: #"{"messages":[{"role":"user","content":"hi"}]}"#,
            status: 400,
            message: "missing field 'model'"
        ),
        .init(
            name: "chat bad role",
            uri: "/v1/chat/completions",
            body: #"{"model":"a-model","messages":[{"role":"robot","content":"hi"}]}"#,
            status: 400,
            message: "role must be"
        ),
        .init(
            name: "chat unknown task",
            uri: "/v1/chat/completions",
            body: #"{"model":"pool/nope","messages":[{"role":"user","content":"hi"}]}"#,
            status: 404,
            message: "unknown task"
        ),
    ]

    @Test("bad requests get the right status and an OpenAI-shaped error", arguments: errorCases)
    func errors(_ bad: ErrorCase) async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("ok", delay: .zero))
        try await HTTPTestSupport.app([a]).test(.router) { client in
            try await client.execute(
                uri: bad.uri,
                method: .post,
                headers: Self.jsonHeaders,
                body: ByteBuffer(string: bad.body)
            ) { response in
                #expect(response.status.code == bad.status)
                let error = try #require(try HTTPTestSupport.object(response.body)["error"] as? [String: Any])
                let message = try #require(error["message"] as? String)
                #expect(message.contains(bad.message), "\(message)")
                #expect(error["type"] != nil && error["code"] != nil)
                #expect(response.headers[.init("X-Request-Id")!]?.isEmpty == false)
            }
        }
        #expect(a.calls == 0)
    }

    @Test("a provider's server error gives 502; a deadline gives 504")
    func upstreamErrors() async throws {
        let failing = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .upstreamFailed, message: "HTTP 500 from a"), delay: .zero)
        )
        try await HTTPTestSupport.app([failing]).test(.router) { client in
            try await client.execute(
                uri: "/v1/infer",
                method: .post,
                headers: Self.jsonHeaders,
                body: ByteBuffer(string: #"{"task":"expand_queries","input":"x"}"#)
            ) { response in
                #expect(response.status == .badGateway)
            }
        }
        let hanging = ScriptedProvider(name: "a", behaviour: .hang)
        try await HTTPTestSupport.app([hanging]).test(.router) { client in
            try await client.execute(
                uri: "/v1/infer",
                method: .post,
                headers: Self.jsonHeaders,
                body: ByteBuffer(string: #"{"task":"expand_queries","input":"x","deadlineMs":50}"#)
            ) { response in
                #expect(response.status == .gatewayTimeout)
            }
        }
        #expect(hanging.cancellations == 1)
    }

    @Test("/v1/chat/completions answers in the OpenAI shape for a task and for a model")
    func chat() async throws {
        let a = ScriptedProvider(name: "a", model: "phi3:mini", behaviour: .answer("hello there", delay: .zero))
        try await HTTPTestSupport.app([a]).test(.router) { client in
            for model in ["pool/expand_queries", "phi3:mini"] {
                let body = HTTPTestSupport.json([
                    "model": model,
                    "messages": [["role": "system", "content": "be nice"], ["role": "user", "content": "hi"]],
                ])
                try await client.execute(
                    uri: "/v1/chat/completions",
                    method: .post,
                    headers: Self.jsonHeaders,
                    body: body
                ) { response in
                    #expect(response.status == .ok)
                    let object = try HTTPTestSupport.object(response.body)
                    #expect(object["object"] as? String == "chat.completion")
                    let choice = try #require((object["choices"] as? [[String: Any]])?.first)
                    #expect((choice["message"] as? [String: Any])?["content"] as? String == "hello there")
                    #expect(choice["finish_reason"] as? String == "stop")
                    #expect((object["usage"] as? [String: Any])?["total_tokens"] as? Int == 5)
                }
            }
        }
        // The task renders its prompt; the direct model receives the messages as sent.
        #expect(a.requests[0].messages.map(\.content) == ["Expand: hi"])
        #expect(a.requests[1].messages.map(\.role) == ["system", "user"])
    }

    @Test("streaming chat sends role, content deltas, finish_reason, usage and [DONE]")
    func chatStream() async throws {
        let a = ScriptedProvider(name: "a", model: "phi3:mini", behaviour: .answer("one two three", delay: .zero))
        try await HTTPTestSupport.app([a]).test(.live) { client in
            let body = HTTPTestSupport.json([
                "model": "phi3:mini", "stream": true, "stream_options": ["include_usage": true],
                "messages": [["role": "user", "content": "hi"]],
            ])
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Self.jsonHeaders, body: body)
            { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream")
                let events = HTTPTestSupport.events(response.body)
                #expect(events.last == "[DONE]")
                let chunks = try events.dropLast().map {
                    try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
                }
                let deltas = chunks.compactMap {
                    (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])
                }
                #expect(deltas.first?["role"] as? String == "assistant")
                #expect(deltas.compactMap { $0["content"] as? String }.joined() == "one two three")
                #expect(
                    chunks.contains {
                        (($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String) == "stop"
                    }
                )
                #expect((chunks.last?["usage"] as? [String: Any])?["completion_tokens"] as? Int == 3)
            }
        }
    }

    @Test("POST /v1/infer/stream sends started, deltas and the final answer as SSE")
    func inferStream() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("alpha beta", delay: .zero))
        try await HTTPTestSupport.app([a]).test(.live) { client in
            try await client.execute(
                uri: "/v1/infer/stream",
                method: .post,
                headers: Self.jsonHeaders,
                body: ByteBuffer(string: #"{"task":"expand_queries","input":"x"}"#)
            ) { response in
                #expect(response.status == .ok)
                let chunks = try HTTPTestSupport.events(response.body).map {
                    try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
                }
                #expect((chunks.first?["started"] as? [String: Any])?["provider"] as? String == "a")
                #expect(chunks.compactMap { $0["delta"] as? String }.joined() == "alpha beta")
                #expect((chunks.last?["final"] as? [String: Any])?["text"] as? String == "alpha beta")
            }
        }
    }

    @Test("/v1/models lists models and pool tasks; /healthz and /readyz report health")
    func modelsAndHealth() async throws {
        let a = ScriptedProvider(name: "a", model: "phi3:mini", behaviour: .answer("ok", delay: .zero))
        let components = try TestPool.components(try HTTPTestSupport.configuration([a]), providers: [a])
        let prober = components.healthProber
        try await Application(router: components.httpServer.router()).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable, "not probed yet")
            }
            await prober.probeAll()
            try await client.execute(uri: "/v1/models", method: .get) { response in
                let ids = (try HTTPTestSupport.object(response.body)["data"] as? [[String: Any]])?.compactMap {
                    $0["id"] as? String
                }
                #expect(ids == ["phi3:mini", "pool/expand_queries"])
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            a.setBehaviour(.fail(PoolError(code: .unavailable, message: "down"), delay: .zero))
            await prober.probeAll()
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let object = try HTTPTestSupport.object(response.body)
                #expect(object["unserved_tasks"] as? [String] == ["expand_queries"])
            }
        }
    }
}
