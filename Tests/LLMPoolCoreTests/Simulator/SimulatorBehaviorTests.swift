import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing

@testable import LLMPoolSimulator

/// The behaviors that change what an answer says: no usage in streams, a context size, tool
/// calls; and the admin API that sets them.
@Suite("ProviderSimulator answer behaviors", .timeLimit(.minutes(1)))
struct SimulatorBehaviorTests {
    typealias Client = SimulatorTestClient

    static let models = [SimulatedModel(name: "m", seed: 1, answerTokens: 6)]

    @Test("Streams omit usage: no usage chunk for include_usage, no Ollama counts")
    func streamsWithoutUsage() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try simulator.setBehavior(.init(omitsStreamUsage: true), for: "m")
            try await Client.withClient { client in
                let openAI = try await Client.send(
                    client,
                    .POST,
                    simulator.baseURL + "/v1/chat/completions",
                    json: Client.chat(
                        model: "m",
                        "a b",
                        stream: true,
                        extra: #","stream_options":{"include_usage":true}"#
                    )
                )
                let events = try openAI.events()
                #expect(!events.isEmpty)
                #expect(events.allSatisfy { $0["usage"] == nil })
                #expect(openAI.eventLines.last == "[DONE]")

                let ollama = try await Client.send(
                    client,
                    .POST,
                    simulator.baseURL + "/api/chat",
                    json: Client.chat(model: "m", "a b", stream: true)
                )
                let final = try #require(try ollama.lines().last)
                #expect(final["done"] as? Bool == true)
                #expect(final["prompt_eval_count"] == nil)
                #expect(final["eval_count"] == nil)

                // Non-streamed answers keep their counts.
                let whole = try await Client.send(
                    client,
                    .POST,
                    simulator.baseURL + "/api/chat",
                    json: Client.chat(model: "m", "a b")
                ).json()
                #expect(whole["eval_count"] as? Int == 6)
            }
        }
    }

    @Test("A prompt plus max_tokens over the context size is refused with 400 context_length_exceeded")
    func contextLengthExceeded() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try await Client.withClient { client in
                let put = try await Client.send(
                    client,
                    .PUT,
                    simulator.baseURL + "/_simulator/models/m/behavior",
                    json: #"{"context_tokens":10}"#
                )
                #expect(put.status == 200)
                let url = simulator.baseURL + "/v1/chat/completions"
                let five = "one two three four five"
                let refused = try await Client.send(
                    client,
                    .POST,
                    url,
                    json: Client.chat(model: "m", five, extra: #","max_tokens":6"#)
                )
                #expect(refused.status == 400)
                let error = try #require(try refused.json()["error"] as? [String: Any])
                #expect(error["type"] as? String == "invalid_request_error")
                #expect(error["param"] as? String == "messages")
                #expect(error["code"] as? String == "context_length_exceeded")
                #expect((error["message"] as? String)?.contains("maximum context length is 10 tokens") == true)

                let fits = try await Client.send(
                    client,
                    .POST,
                    url,
                    json: Client.chat(model: "m", five, extra: #","max_tokens":5"#)
                )
                #expect(fits.status == 200)

                let ollama = try await Client.send(
                    client,
                    .POST,
                    simulator.baseURL + "/api/chat",
                    json: Client.chat(model: "m", five, extra: #","options":{"num_predict":6}"#)
                )
                #expect(ollama.status == 400)
                #expect((try ollama.json()["error"] as? String)?.contains("context") == true)
            }
            #expect(simulator.stats().models["m"]?.contextLengthExceeded == 2)
            #expect(simulator.stats().models["m"]?.completed == 1)
        }
    }

    static let tools =
        #","tools":[{"type":"function","function":{"name":"search","parameters":{"type":"object","#
        + #""properties":{"topic":{"type":"string"},"q":{"type":"string"}},"required":["q"]}}},"#
        + #"{"type":"function","function":{"name":"other","parameters":{}}}]"#

    @Test("Tools get a deterministic call of the first tool (OpenAI, whole and streamed)")
    func openAIToolCalls() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try simulator.setBehavior(.init(callsTools: true), for: "m")
            try await Client.withClient { client in
                let url = simulator.baseURL + "/v1/chat/completions"
                let question = "what is the weather in Paris today"
                let whole = try await Client.send(
                    client,
                    .POST,
                    url,
                    json: Client.chat(model: "m", question, extra: Self.tools)
                )
                let choice = try #require((try whole.json()["choices"] as? [[String: Any]])?.first)
                #expect(choice["finish_reason"] as? String == "tool_calls")
                let message = try #require(choice["message"] as? [String: Any])
                #expect(message["content"] is NSNull)
                let call = try #require((message["tool_calls"] as? [[String: Any]])?.first)
                #expect((call["id"] as? String)?.hasPrefix("call_") == true)
                #expect(call["type"] as? String == "function")
                let function = try #require(call["function"] as? [String: Any])
                #expect(function["name"] as? String == "search")
                let arguments = try Client.object(try #require(function["arguments"] as? String))
                #expect(arguments as? [String: String] == ["q": "what is the weather"])

                let streamed = try await Client.send(
                    client,
                    .POST,
                    url,
                    json: Client.chat(model: "m", question, stream: true, extra: Self.tools)
                )
                let choices = try streamed.events().compactMap { ($0["choices"] as? [[String: Any]])?.first }
                let deltas = choices.compactMap { ($0["delta"] as? [String: Any])?["tool_calls"] as? [[String: Any]] }
                    .compactMap(\.first)
                #expect(deltas.allSatisfy { $0["index"] as? Int == 0 })
                #expect(deltas.first?["id"] as? String == call["id"] as? String)
                #expect((deltas.first?["function"] as? [String: Any])?["name"] as? String == "search")
                let pieces = deltas.compactMap { ($0["function"] as? [String: Any])?["arguments"] as? String }
                #expect(pieces.filter { !$0.isEmpty }.count >= 2)
                #expect(try Client.object(pieces.joined()) as? [String: String] == ["q": "what is the weather"])
                #expect(choices.last?["finish_reason"] as? String == "tool_calls")
                #expect(streamed.eventLines.last == "[DONE]")
            }
            #expect(simulator.stats().models["m"]?.toolCalls == 2)
        }
    }

    @Test("Ollama's /api/chat answers tools with message.tool_calls, whole and streamed")
    func ollamaToolCalls() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try simulator.setBehavior(.init(callsTools: true), for: "m")
            try await Client.withClient { client in
                let url = simulator.baseURL + "/api/chat"
                let whole = try await Client.send(
                    client,
                    .POST,
                    url,
                    json: Client.chat(model: "m", "find cheap flights now", extra: Self.tools)
                )
                let json = try whole.json()
                #expect(json["done_reason"] as? String == "stop")
                let message = try #require(json["message"] as? [String: Any])
                let call = try #require(
                    (message["tool_calls"] as? [[String: Any]])?.first?["function"] as? [String: Any]
                )
                #expect(call["name"] as? String == "search")
                #expect(call["arguments"] as? [String: String] == ["q": "find cheap flights now"])

                let lines = try await Client.send(
                    client,
                    .POST,
                    url,
                    json: Client.chat(model: "m", "find cheap flights now", stream: true, extra: Self.tools)
                ).lines()
                let calls = lines.compactMap { ($0["message"] as? [String: Any])?["tool_calls"] as? [[String: Any]] }
                #expect(calls.count == 1)
                #expect(lines.last?["done"] as? Bool == true)
            }
        }
    }

    @Test("Tools are ignored by default, after a tool result, and with tool_choice none")
    func textInsteadOfToolCalls() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try await Client.withClient { client in
                let url = simulator.baseURL + "/v1/chat/completions"
                func finishReason(_ body: String) async throws -> String? {
                    let json = try await Client.send(client, .POST, url, json: body).json()
                    return (json["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String
                }
                #expect(try await finishReason(Client.chat(model: "m", "x", extra: Self.tools)) == "stop")
                try simulator.setBehavior(.init(callsTools: true), for: "m")
                #expect(try await finishReason(Client.chat(model: "m", "x", extra: Self.tools)) == "tool_calls")
                let none = Client.chat(model: "m", "x", extra: Self.tools + #","tool_choice":"none""#)
                #expect(try await finishReason(none) == "stop")
                let named = Client.chat(
                    model: "m",
                    "x",
                    extra: Self.tools + #","tool_choice":{"type":"function","function":{"name":"other"}}"#
                )
                let json = try await Client.send(client, .POST, url, json: named).json()
                let message = (json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any]
                let function = (message?["tool_calls"] as? [[String: Any]])?.first?["function"] as? [String: Any]
                #expect(function?["name"] as? String == "other")
                #expect(
                    try Client.object(function?["arguments"] as? String ?? "") as? [String: String] == ["query": "x"]
                )
                let afterResult =
                    #"{"model":"m","messages":[{"role":"user","content":"x"},"#
                    + #"{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","#
                    + #""function":{"name":"search","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"sunny"}]"#
                    + Self.tools + "}"
                #expect(try await finishReason(afterResult) == "stop")
            }
        }
    }

    @Test("recentRequests keeps the raw request body exactly as sent")
    func rawBodyRecorded() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            let body = Client.chat(model: "m", "keep me", extra: Self.tools + #","custom_field":{"a":[1,2]}"#)
            try await Client.withClient { client in
                _ = try await Client.send(client, .POST, simulator.baseURL + "/v1/chat/completions", json: body)
                _ = try await Client.send(
                    client,
                    .POST,
                    simulator.baseURL + "/api/generate",
                    json: #"{"model":"m","prompt":"p"}"#
                )
            }
            let recorded = simulator.recentRequests()
            #expect(recorded.map(\.body) == [body, #"{"model":"m","prompt":"p"}"#])
        }
    }

    @Test("The admin API gets, sets and clears behaviors; stats show the new counters")
    func adminBehaviorAPI() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try await Client.withClient { client in
                let path = simulator.baseURL + "/_simulator/models/m/behaviour"
                let put = try await Client.send(
                    client,
                    .PUT,
                    path,
                    json: #"{"single_slot":true,"interrupts_streams":true,"keeps_generating_after_disconnect":true}"#
                )
                #expect(put.status == 200)
                let expected = SimulatorBehavior(
                    singleSlot: true,
                    interruptsStreams: true,
                    keepsGeneratingAfterDisconnect: true
                )
                #expect(simulator.behavior(for: "m") == expected)
                let got = try await Client.send(client, .GET, simulator.baseURL + "/_simulator/models/m/behavior")
                #expect(try JSONDecoder().decode(SimulatorBehavior.self, from: Data(got.body.utf8)) == expected)

                let invalid = try await Client.send(client, .PUT, path, json: #"{"context_tokens":0}"#)
                #expect(invalid.status == 400)
                let unknown = try await Client.send(
                    client,
                    .PUT,
                    simulator.baseURL + "/_simulator/models/x/behavior",
                    json: "{}"
                )
                #expect(unknown.status == 404)
                #expect(try await Client.send(client, .DELETE, path).status == 200)
                #expect(simulator.behavior(for: "m") == .polite)

                _ = try await Client.send(
                    client,
                    .POST,
                    simulator.baseURL + "/api/chat",
                    json: Client.chat(model: "m", "x")
                )
                let stats = try await Client.send(client, .GET, simulator.baseURL + "/_simulator/stats")
                let model = try #require((try stats.json()["models"] as? [String: Any])?["m"] as? [String: Any])
                for key in ["max_concurrent_generations", "abandoned_generations", "busy_ms", "interrupted", "queued"] {
                    #expect(model[key] != nil, "missing \(key)")
                }
                #expect(model["max_concurrent_generations"] as? Int == 1)
                let decoded = try JSONDecoder().decode(SimulatorStats.self, from: Data(stats.body.utf8))
                #expect(decoded.models["m"]?.completed == 1)
            }
            #expect(throws: SimulatorError.self) { try simulator.setBehavior(.init(contextTokens: -1), for: "m") }
            #expect(throws: SimulatorError.self) { try simulator.setBehavior(.polite, for: "missing") }
        }
    }
}
