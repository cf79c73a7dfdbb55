import AsyncHTTPClient
import LLMPoolCore
import LLMPoolSimulator
import Testing

/// What an Ollama provider makes of OpenAI options: translated where Ollama has an equivalent,
/// refused with the field named where it has none; checked on the raw bodies the simulator recorded.
@Suite("Ollama translation", .timeLimit(.minutes(1)))
struct OllamaTranslationTests {
    typealias Support = ProviderTestSupport
    typealias PassThrough = OpenAIPassThroughTests

    func withProvider(
        endpoint: ProviderConfiguration.OllamaEndpoint = .chat,
        keepAlive: String? = nil,
        _ body: (OllamaProvider, ProviderSimulator) async throws -> Void
    ) async throws {
        try await ProviderSimulator.withRunning(models: [PassThrough.model]) { simulator in
            try await Support.withClient { client in
                var configuration = Support.configuration(
                    .ollama,
                    baseURL: simulator.baseURL,
                    model: "tiny",
                    endpoint: endpoint
                )
                configuration.keepAlive = keepAlive
                try await body(OllamaProvider(configuration: configuration, httpClient: client), simulator)
            }
        }
    }

    static func request(_ options: [String: JSONValue], messages: [ChatMessage] = [.user("hi there")])
        -> ProviderRequest
    {
        ProviderRequest(messages: messages, maxTokens: 20, temperature: 0.5, timeout: .seconds(10), options: options)
    }

    @Test("sampling options, stop, response_format, tools, images and tool calls are translated")
    func translated() async throws {
        try await withProvider(keepAlive: "10m") { provider, simulator in
            let options: [String: JSONValue] = [
                "stop": "e", "seed": 42, "top_p": 0.9, "presence_penalty": 0.5, "frequency_penalty": -0.25,
                "top_k": 40, "response_format": ["type": "json_object"], "tools": PassThrough.options["tools"]!,
                "tool_choice": "auto", "user": "user-1", "n": 1, "logprobs": false,
            ]
            _ = try await provider.complete(Self.request(options, messages: PassThrough.messages))
            let body = try PassThrough.lastBody(simulator)
            #expect(
                body["options"]
                    == [
                        "num_predict": 20, "temperature": 0.5, "stop": ["e"], "seed": 42, "top_p": 0.9,
                        "presence_penalty": 0.5, "frequency_penalty": -0.25, "top_k": 40,
                    ]
            )
            #expect(body["format"] == "json")
            #expect(body["keep_alive"] == "10m")
            #expect(body["tools"] == PassThrough.options["tools"])
            #expect(body["user"] == nil)
            #expect(
                body["messages"]
                    == [
                        ["role": "system", "content": "be brief"],
                        ["role": "user", "content": "weather in Paris", "images": ["iVBORw0KGgo="]],
                        [
                            "role": "assistant", "content": "",
                            "tool_calls": [["function": ["name": "get_weather", "arguments": ["city": "Paris"]]]],
                        ],
                        ["role": "tool", "content": "18 C and sunny", "tool_name": "get_weather"],
                        ["role": "user", "content": "and tomorrow?"],
                    ]
            )
        }
    }

    @Test("a json_schema response format becomes format: <schema>; tool_choice none sends no tools")
    func schemaFormat() async throws {
        try await withProvider { provider, simulator in
            let schema: JSONValue = ["type": "object", "properties": ["a": ["type": "integer"]], "required": ["a"]]
            let options: [String: JSONValue] = [
                "response_format": ["type": "json_schema", "json_schema": ["name": "x", "schema": schema]],
                "tools": PassThrough.options["tools"]!, "tool_choice": "none", "stop": ["a", "b"],
            ]
            _ = try await provider.complete(Self.request(options))
            let body = try PassThrough.lastBody(simulator)
            #expect(body["format"] == schema)
            #expect(body["tools"] == nil)
            #expect(body["options"]?["stop"] == ["a", "b"])
            #expect(body["keep_alive"] == nil)
        }
    }

    @Test(
        "what Ollama cannot honour is refused before any call, naming the field",
        arguments: [
            (["logprobs": true], "logprobs"),
            (["top_logprobs": 2], "top_logprobs"),
            (["n": 2], "n"),
            (["logit_bias": ["50256": -100]], "logit_bias"),
            (["tool_choice": "required"], "tool_choice"),
            (["parallel_tool_calls": false], "parallel_tool_calls"),
            (["prediction": ["type": "content", "content": "x"]], "prediction"),
            (["response_format": ["type": "grammar"]], "response_format.type"),
        ] as [([String: JSONValue], String)]
    )
    func refused(options: [String: JSONValue], param: String) async throws {
        try await withProvider { provider, simulator in
            let request = Self.request(options)
            let checked = #expect(throws: PoolError.self) { try provider.check(request) }
            #expect(checked?.code == .invalidArgument)
            #expect(checked?.param == param)
            #expect(checked?.message.contains(param) == true)
            let called = await #expect(throws: PoolError.self) { _ = try await provider.complete(request) }
            #expect(called?.param == param)
            #expect(simulator.recentRequests().isEmpty)
        }
    }

    @Test("an image that is not a data: URL is refused, naming the part")
    func remoteImage() async throws {
        try await withProvider { provider, _ in
            let parts: JSONValue = [
                ["type": "text", "text": "what is it"],
                ["type": "image_url", "image_url": ["url": "https://example.org/cat.png"]],
            ]
            let message = ChatMessage(role: "user", content: "what is it", extras: ["content": parts])
            let error = #expect(throws: PoolError.self) {
                try provider.check(Self.request([:], messages: [message]))
            }
            #expect(error?.param == "messages[0].content[1].image_url")
        }
    }

    @Test("tools need /api/chat: /api/generate refuses them, and takes images and options")
    func generateEndpoint() async throws {
        try await withProvider(endpoint: .generate) { provider, simulator in
            let error = #expect(throws: PoolError.self) {
                try provider.check(Self.request(["tools": PassThrough.options["tools"]!]))
            }
            #expect(error?.param == "tools")
            _ = try await provider.complete(
                Self.request(["seed": 3, "stop": "x"], messages: [PassThrough.messages[1]])
            )
            let body = try PassThrough.lastBody(simulator)
            #expect(body["images"] == ["iVBORw0KGgo="])
            #expect(body["prompt"] == "weather in Paris")
            #expect(body["options"]?["seed"] == 3)
            #expect(body["options"]?["stop"] == ["x"])
        }
    }

    @Test("Ollama's tool calls come back in the OpenAI shape, plain and streamed")
    func toolCallAnswers() async throws {
        try await withProvider { provider, simulator in
            try simulator.setBehavior(SimulatorBehavior(callsTools: true), for: "tiny")
            let request = Self.request(
                ["tools": PassThrough.options["tools"]!],
                messages: [.user("weather in Paris today please")]
            )
            let answer = try await provider.complete(request)
            #expect(answer.finishReason == "tool_calls")
            let call = try #require(answer.extras.toolCalls.first)
            #expect(call["type"] == "function")
            #expect(call["function"]?["name"] == "get_weather")
            // Ollama's arguments object, as the JSON text OpenAI clients parse.
            #expect(call["function"]?["arguments"] == #"{"city":"weather in Paris today"}"#)
            #expect(call["id"]?.stringValue?.hasPrefix("call_") == true)

            let pieces = PieceLog()
            let streamed = try await provider.streamPieces(request) { pieces.append($0) }
            #expect(streamed.finishReason == "tool_calls")
            #expect(streamed.extras.toolCalls == answer.extras.toolCalls)
            let fragments = pieces.all.compactMap { $0.delta["tool_calls"]?.arrayValue?.first }
            let fragment = try #require(fragments.first)
            #expect(fragment["index"] == 0)
            #expect(fragment["function"]?["name"] == "get_weather")
        }
    }
}
