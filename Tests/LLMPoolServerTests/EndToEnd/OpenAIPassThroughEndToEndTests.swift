import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import LLMPoolCore
import LLMPoolServer
import LLMPoolSimulator
import Logging
import NIOCore
import Testing

/// An OpenAI client pointed at llm-pool behaves as if it talked to the model's server: options
/// reach the upstream, tool calls come back (plain and streamed), and what Ollama cannot honour is
/// a 400 naming the field. Through the real assembly (``PoolComponents`` with the configured
/// providers) against a running simulator.
@Suite("OpenAI pass-through end to end", .timeLimit(.minutes(1)))
struct OpenAIPassThroughEndToEndTests {
    static let models = [
        SimulatedModel.instant(name: "tiny", seed: 5, answerTokens: 6),
        SimulatedModel.instant(name: "tiny-twin", seed: 5, answerTokens: 6),
        SimulatedModel.instant(name: "tiny-ollama", seed: 6, answerTokens: 6),
    ]

    static let tools =
        #"[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","#
        + #""properties":{"city":{"type":"string"}},"required":["city"]}}}]"#

    static func configuration(_ simulator: ProviderSimulator) throws -> PoolConfiguration {
        var config = PoolConfiguration()
        config.providers = [
            ProviderConfiguration(name: "sim-openai", kind: .openai, baseURL: simulator.baseURL + "/v1", model: "tiny"),
            ProviderConfiguration(name: "sim-twin", kind: .openai, baseURL: simulator.baseURL, model: "tiny-twin"),
            ProviderConfiguration(name: "sim-ollama", kind: .ollama, baseURL: simulator.baseURL, model: "tiny-ollama"),
        ]
        let template = try PromptTemplate(source: "{{input}}")
        config.tasks["lookup"] = TaskConfiguration(
            name: "lookup",
            providers: ["sim-openai"],
            promptPath: "x.md",
            template: template,
            temperature: 0
        )
        config.tasks["vote"] = TaskConfiguration(
            name: "vote",
            strategy: .voting,
            providers: ["sim-openai", "sim-twin"],
            promptPath: "x.md",
            template: template,
            temperature: 0
        )
        config.tasks["extract"] = TaskConfiguration(
            name: "extract",
            strategy: .voting,
            providers: ["sim-openai", "sim-ollama"],
            promptPath: "x.md",
            template: template,
            temperature: 0,
            jsonOutput: true
        )
        config.tasks["shaped"] = TaskConfiguration(
            name: "shaped",
            strategy: .voting,
            providers: ["sim-openai", "sim-ollama"],
            promptPath: "x.md",
            template: template,
            temperature: 0,
            jsonSchema: ["type": "object", "properties": ["a": ["type": "integer"]]]
        )
        return config
    }

    /// Runs `body` with a router client on the pool and the simulator behind it, which calls tools.
    static func withPool(
        _ body: @escaping @Sendable (any TestClientProtocol, ProviderSimulator) async throws -> Void
    ) async throws {
        try await ProviderSimulator.withRunning(models: models) { simulator in
            for model in models { try simulator.setBehavior(SimulatorBehavior(callsTools: true), for: model.name) }
            let components = try PoolComponents(
                configuration: try configuration(simulator),
                httpClient: HTTPClient.shared,
                logger: Logger(label: "pass-through")
            )
            try await Application(router: components.httpServer.router()).test(.router) { client in
                try await body(client, simulator)
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

    static func object(_ response: TestResponse) throws -> JSONValue {
        try JSONValue(parsing: String(buffer: response.body))
    }

    /// The `data:` payloads of an SSE body, `[DONE]` left out.
    static func chunks(_ response: TestResponse) throws -> [JSONValue] {
        try String(buffer: response.body).components(separatedBy: "\n\n").compactMap { block in
            guard let line = block.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }) else { return nil }
            let data = line.dropFirst(6)
            return data == "[DONE]" ? nil : try JSONValue(parsing: String(data))
        }
    }

    static func upstreamBodies(_ simulator: ProviderSimulator, model: String) throws -> [JSONValue] {
        try simulator.recentRequests().filter { $0.model == model }.map { try JSONValue(parsing: $0.body) }
    }

    @Test("a tool call: tools reach the upstream; content null, tool_calls and finish_reason tool_calls come back")
    func toolCall() async throws {
        try await Self.withPool { client, simulator in
            let response = try await Self.post(
                client,
                #"{"model":"tiny","messages":[{"role":"user","content":"weather in Paris today"}],"tools":"#
                    + Self.tools + #","tool_choice":"auto","seed":1,"top_p":0.5}"#
            )
            #expect(response.status == .ok)
            let choice = try #require(try Self.object(response)["choices"]?.arrayValue?.first)
            #expect(choice["finish_reason"] == "tool_calls")
            #expect(choice["message"]?["content"] == .null)
            let call = try #require(choice["message"]?["tool_calls"]?.arrayValue?.first)
            #expect(call["function"]?["name"] == "get_weather")
            #expect(call["function"]?["arguments"] == #"{"city":"weather in Paris today"}"#)
            let sent = try #require(try Self.upstreamBodies(simulator, model: "tiny").last)
            #expect(sent["tools"] == (try JSONValue(parsing: Self.tools)))
            #expect(sent["tool_choice"] == "auto")
            #expect(sent["seed"] == 1)
            #expect(sent["top_p"] == 0.5)

            // The tool's result goes back with its id, and the model answers with text.
            let callJSON = call.canonicalText
            let followUp = try await Self.post(
                client,
                #"{"model":"tiny","tools":"# + Self.tools
                    + #","messages":[{"role":"user","content":"weather in Paris today"},"#
                    + #"{"role":"assistant","content":null,"tool_calls":["# + callJSON + #"]},"#
                    + #"{"role":"tool","tool_call_id":"# + (call["id"]?.canonicalText ?? "") + #","content":"18 C"}]}"#
            )
            let answer = try #require(try Self.object(followUp)["choices"]?.arrayValue?.first)
            #expect(answer["finish_reason"] == "stop")
            #expect(answer["message"]?["content"]?.stringValue?.isEmpty == false)
            let messages = try #require(try Self.upstreamBodies(simulator, model: "tiny").last?["messages"]?.arrayValue)
            #expect(messages[1]["tool_calls"] == [call])
            #expect(messages[2]["tool_call_id"] == call["id"])
        }
    }

    @Test("a streamed tool call: the deltas carry tool_calls pieces and the last choice says tool_calls")
    func streamedToolCall() async throws {
        try await Self.withPool { client, _ in
            let response = try await Self.post(
                client,
                #"{"model":"tiny","stream":true,"messages":[{"role":"user","content":"weather in Paris today"}],"#
                    + #""tools":"# + Self.tools + "}"
            )
            #expect(response.status == .ok)
            let chunks = try Self.chunks(response)
            let deltas = chunks.compactMap { $0["choices"]?.arrayValue?.first?["delta"] }
            let fragments = deltas.compactMap { $0["tool_calls"]?.arrayValue?.first }
            #expect(fragments.first?["function"]?["name"] == "get_weather")
            let arguments = fragments.compactMap { $0["function"]?["arguments"]?.stringValue }.joined()
            #expect(arguments == #"{"city":"weather in Paris today"}"#)
            let finish = chunks.compactMap { $0["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue }
            #expect(finish == ["tool_calls"])
        }
    }

    @Test("Ollama: tool calls translated back; what it cannot honour is a 400 naming the field")
    func ollama() async throws {
        try await Self.withPool { client, simulator in
            let response = try await Self.post(
                client,
                #"{"model":"tiny-ollama","messages":[{"role":"user","content":"weather in Paris today"}],"#
                    + #""tools":"# + Self.tools + #","stop":"x","seed":3}"#
            )
            #expect(response.status == .ok)
            let choice = try #require(try Self.object(response)["choices"]?.arrayValue?.first)
            #expect(choice["finish_reason"] == "tool_calls")
            #expect(
                choice["message"]?["tool_calls"]?.arrayValue?.first?["function"]?["arguments"]
                    == #"{"city":"weather in Paris today"}"#
            )
            let sent = try #require(try Self.upstreamBodies(simulator, model: "tiny-ollama").last)
            #expect(sent["options"]?["stop"] == ["x"])
            #expect(sent["options"]?["seed"] == 3)

            for (field, value) in [
                ("logprobs", "true"), ("n", "2"), ("logit_bias", #"{"1":5}"#), ("top_logprobs", "1"),
            ] {
                let refused = try await Self.post(
                    client,
                    #"{"model":"tiny-ollama","messages":[{"role":"user","content":"hi"}],"\#(field)":\#(value)}"#
                )
                #expect(refused.status == .badRequest, "\(field)")
                let error = try Self.object(refused)["error"]
                #expect(error?["param"] == .string(field))
                #expect(error?["type"] == "invalid_request_error")
            }
        }
    }

    @Test("pool/<task>: tools pass through FASTEST, VOTING compares tool calls, n > 1 and tool results are 400")
    func tasks() async throws {
        try await Self.withPool { client, simulator in
            let fastest = try await Self.post(
                client,
                #"{"model":"pool/lookup","messages":[{"role":"user","content":"weather in Paris today"}],"tools":"#
                    + Self.tools + "}"
            )
            #expect(fastest.status == .ok)
            let choice = try #require(try Self.object(fastest)["choices"]?.arrayValue?.first)
            #expect(choice["finish_reason"] == "tool_calls")
            #expect(
                try Self.upstreamBodies(simulator, model: "tiny").last?["tools"] == (try JSONValue(parsing: Self.tools))
            )

            let voted = try await Self.post(
                client,
                #"{"model":"pool/vote","messages":[{"role":"user","content":"weather in Rome today"}],"tools":"#
                    + Self.tools + "}"
            )
            let body = try Self.object(voted)
            #expect(body["choices"]?.arrayValue?.first?["message"]?["tool_calls"]?.arrayValue?.count == 1)
            #expect(body["llm_pool"]?["reason"]?.stringValue?.hasPrefix("2 of 2 answers agreed") == true)

            let several = try await Self.post(
                client,
                #"{"model":"pool/lookup","n":2,"messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(several.status == .badRequest)
            #expect(try Self.object(several)["error"]?["param"] == "n")

            let toolResult = try await Self.post(
                client,
                #"{"model":"pool/lookup","messages":[{"role":"user","content":"hi"},"#
                    + #"{"role":"tool","tool_call_id":"c","content":"x"}]}"#
            )
            #expect(toolResult.status == .badRequest)
            #expect(try Self.object(toolResult)["error"]?["param"] == "messages[1]")
        }
    }

    @Test("tasks ask for what they declare: json_output and json_schema, translated for Ollama")
    func declaredFormats() async throws {
        try await Self.withPool { client, simulator in
            _ = try await Self.post(client, #"{"model":"pool/extract","messages":[{"role":"user","content":"a"}]}"#)
            #expect(
                try Self.upstreamBodies(simulator, model: "tiny").last?["response_format"] == ["type": "json_object"]
            )
            #expect(try Self.upstreamBodies(simulator, model: "tiny-ollama").last?["format"] == "json")

            _ = try await Self.post(client, #"{"model":"pool/shaped","messages":[{"role":"user","content":"b"}]}"#)
            let schema: JSONValue = ["type": "object", "properties": ["a": ["type": "integer"]]]
            #expect(
                try Self.upstreamBodies(simulator, model: "tiny").last?["response_format"]
                    == ["type": "json_schema", "json_schema": ["name": "shaped", "schema": schema]]
            )
            #expect(try Self.upstreamBodies(simulator, model: "tiny-ollama").last?["format"] == schema)
        }
    }

    @Test("the cache key covers the forwarded options: a different stop or seed is a miss, the same one a hit")
    func cacheKey() async throws {
        try await Self.withPool { client, _ in
            func ask(_ extra: String, temperature: String = "0") async throws -> String? {
                let response = try await Self.post(
                    client,
                    #"{"model":"tiny","temperature":\#(temperature),"messages":[{"role":"user","content":"cache me"}]\#(extra)}"#
                )
                #expect(response.status == .ok)
                return response.headers[.init("X-LLM-Pool-Cache")!]
            }
            let asked: [(String, String)] = [
                ("", "0"), (#","stop":["e"]"#, "0"), (#","stop":["e"]"#, "0"), (#","stop":["f"]"#, "0"),
                (#","tools":"# + Self.tools, "0"), ("", "0"),
                // A seed makes a sampled request repeatable, so it is cached at any temperature …
                (#","seed":7"#, "1"), (#","seed":7"#, "1"), (#","seed":8"#, "1"),
                // … and without one it is not cached at all.
                ("", "1"), ("", "1"),
            ]
            var seen: [String?] = []
            for (extra, temperature) in asked { seen.append(try await ask(extra, temperature: temperature)) }
            #expect(seen == ["miss", "miss", "hit", "miss", "miss", "hit", "miss", "hit", "miss", "miss", "miss"])
        }
    }
}
