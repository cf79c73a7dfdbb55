import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LLMPoolCore
import LLMPoolServer
import LLMPoolTesting
import NIOCore
import Testing

/// Bad input gets a clear 4xx naming the field, and never a 5xx.
@Suite("HTTP bad input")
struct HTTPBadInputTests {
    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    static func error(_ response: TestResponse) throws -> [String: Any] {
        try #require(try HTTPTestSupport.object(response.body)["error"] as? [String: Any])
    }

    static func app() throws -> some ApplicationProtocol {
        try HTTPTestSupport.app([ScriptedProvider(name: "a", behaviour: .answer("ok", delay: .zero))])
    }

    @Test("a native Query field of the wrong type is named, in the message and as param")
    func nativeField() async throws {
        try await Self.app().test(.router) { client in
            let cases: [(String, String)] = [
                (#"{"task":5,"input":"x"}"#, "task"),
                (#"{"task":"expand_queries","input":"x","maxTokens":-3}"#, "maxTokens"),
                (#"{"task":"expand_queries","input":"x","max_tokens":true}"#, "max_tokens"),
                (#"{"task":"expand_queries","input":"x","strategy":"LOUDEST"}"#, "strategy"),
                (#"{"task":"expand_queries","input":"x","metadata":{"k":1}}"#, "metadata"),
                (#"{"task":"expand_queries","input":"x","colour":"red"}"#, "colour"),
            ]
            for (body, field) in cases {
                try await client.execute(
                    uri: "/v1/infer",
                    method: .post,
                    headers: Self.jsonHeaders,
                    body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .badRequest, "\(body)")
                    let error = try Self.error(response)
                    #expect(error["param"] as? String == field, "\(body)")
                    #expect((error["message"] as? String)?.contains(field) == true, "\(body)")
                }
            }
        }
    }

    @Test("an OpenAI body field of the wrong type is named as param")
    func openAIField() async throws {
        try await Self.app().test(.router) { client in
            let body = #"{"model":"pool/expand_queries","messages":[{"role":"user","content":"hi"},{"role":5}]}"#
            try await client.execute(
                uri: "/v1/chat/completions",
                method: .post,
                headers: Self.jsonHeaders,
                body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .badRequest)
                let error = try Self.error(response)
                #expect(error["param"] as? String == "messages[1].role")
            }
        }
    }

    @Test("an unknown path is 404 and a known path with another method 405 with Allow")
    func routing() async throws {
        try await Self.app().test(.router) { client in
            try await client.execute(uri: "/v1/nothing", method: .get) { response in
                #expect(response.status == .notFound)
                let error = try Self.error(response)
                #expect(error["code"] as? String == "not_found")
            }
            try await client.execute(uri: "/v1/infer", method: .get) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
                let error = try Self.error(response)
                #expect(error["code"] as? String == "method_not_allowed")
            }
        }
    }

    @Test("a body over server.max_body_bytes without Content-Length is 413, like one with it")
    func oversizedBody() async throws {
        try await Self.app().test(.router) { client in
            let input = String(repeating: "x", count: 5000)
            let body = ByteBuffer(string: #"{"task":"expand_queries","input":"\#(input)"}"#)
            for headers in [Self.jsonHeaders, Self.jsonHeaders + [.contentLength: "\(body.readableBytes)"]] {
                try await client.execute(uri: "/v1/infer", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .contentTooLarge)
                    let error = try Self.error(response)
                    #expect(error["code"] as? String == "payload_too_large")
                }
            }
        }
    }
}

@Suite("HTTP streams refused before the first byte")
struct HTTPStreamRefusalTests {
    @Test("a stream that cannot start gets the unary status and JSON error, not 200 and an error event")
    func refusedStreams() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("ok", delay: .zero))
        try await HTTPTestSupport.app([a]).test(.router) { client in
            let cases: [(String, String, HTTPResponse.Status)] = [
                ("/v1/infer/stream", #"{"task":"nope","input":"x"}"#, .notFound),
                ("/v1/infer/stream", #"{"task":"expand_queries","input":"x","maxTokens":0}"#, .badRequest),
                (
                    "/v1/chat/completions",
                    #"{"model":"nope","stream":true,"messages":[{"role":"user","content":"x"}]}"#,
                    .notFound
                ),
            ]
            for (path, body, status) in cases {
                try await client.execute(
                    uri: path,
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == status, "\(path) \(body)")
                    #expect(response.headers[.contentType] == "application/json")
                    let object = try HTTPTestSupport.object(response.body)
                    #expect(object["error"] != nil)
                }
            }
            #expect(a.calls == 0)
        }
    }
}
