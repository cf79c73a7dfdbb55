import AsyncHTTPClient
import LLMPoolCore
import LLMPoolSimulator
import Synchronization
import Testing

/// What an OpenAI-compatible provider sends and relays: every option and every message member as
/// the caller sent them, checked on the raw bodies the simulator recorded.
@Suite("OpenAI pass-through", .timeLimit(.minutes(1)))
struct OpenAIPassThroughTests {
    typealias Support = ProviderTestSupport

    static let model = SimulatedModel(name: "tiny", seed: 7, answerTokens: 6)

    /// Every option the OpenAI API defines that llm-pool does not set itself.
    static let options = try! JSONValue(
        parsing: #"""
            {"tools": [{"type": "function", "function": {"name": "get_weather", "description": "weather",
                        "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                       "required": ["city"]}}}],
             "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
             "response_format": {"type": "json_schema", "json_schema": {"name": "w", "schema": {"type": "object"}}},
             "stop": ["e", "\n\n"], "seed": 42, "logprobs": true, "top_logprobs": 2, "top_p": 0.9,
             "presence_penalty": 0.5, "frequency_penalty": -0.25, "logit_bias": {"50256": -100},
             "parallel_tool_calls": false, "n": 1, "user": "user-1", "max_completion_tokens": 33,
             "metadata": {"k": "v"}, "top_k": 40, "min_p": 0.05}
            """#
    ).objectValue!

    /// A tool conversation, with an image part: the messages as an OpenAI client sends them.
    static let conversation = try! JSONValue(
        parsing: #"""
            [{"role": "system", "content": "be brief"},
             {"role": "user", "name": "ana", "content": [{"type": "text", "text": "weather in Paris"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "low"}}]},
             {"role": "assistant", "content": null, "tool_calls": [{"id": "call_abc", "type": "function",
                "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
             {"role": "tool", "tool_call_id": "call_abc", "content": "18 C and sunny"},
             {"role": "user", "content": "and tomorrow?"}]
            """#
    ).arrayValue!

    /// The domain messages the OpenAI door makes of ``conversation``.
    static var messages: [ChatMessage] {
        conversation.map { json in
            var extras = json.objectValue!
            let role = extras.removeValue(forKey: "role")!.stringValue!
            var text = extras["content"]?.stringValue ?? ""
            if let parts = extras["content"]?.arrayValue {
                text = parts.compactMap { $0["text"]?.stringValue }.joined()
            } else if extras["content"]?.stringValue != nil {
                extras["content"] = nil
            }
            return ChatMessage(role: role, content: text, extras: extras)
        }
    }

    func withProvider(_ body: (OpenAICompatibleProvider, ProviderSimulator) async throws -> Void) async throws {
        try await ProviderSimulator.withRunning(models: [Self.model]) { simulator in
            try await Support.withClient { client in
                let configuration = Support.configuration(.openai, baseURL: simulator.baseURL, model: "tiny")
                try await body(
                    try OpenAICompatibleProvider(configuration: configuration, httpClient: client),
                    simulator
                )
            }
        }
    }

    static func request(options: [String: JSONValue] = options, messages: [ChatMessage] = messages) -> ProviderRequest {
        ProviderRequest(messages: messages, maxTokens: 33, temperature: 0.3, timeout: .seconds(10), options: options)
    }

    static func lastBody(_ simulator: ProviderSimulator) throws -> JSONValue {
        try JSONValue(parsing: try #require(simulator.recentRequests().last).body)
    }

    @Test("every option and every message member reach the upstream as JSON values equal to the caller's")
    func everythingArrives() async throws {
        try await withProvider { provider, simulator in
            _ = try await provider.complete(Self.request())
            let plain = try Self.lastBody(simulator)
            _ = try await Support.collect(provider, Self.request())
            let streamed = try Self.lastBody(simulator)
            for (body, stream) in [(plain, false), (streamed, true)] {
                for (name, value) in Self.options where name != "max_completion_tokens" {
                    #expect(body[name] == value, "\(name) in \(body.canonicalText)")
                }
                // The token cap travels under the name the caller used, with the value the pool decided.
                #expect(body["max_completion_tokens"] == 33)
                #expect(body["max_tokens"] == nil)
                #expect(body["messages"] == .array(Self.conversation))
                #expect(body["model"] == "tiny")
                #expect(body["temperature"] == 0.3)
                // A plain call may be streamed upstream too (and assembled): only a stream must be one.
                if stream {
                    #expect(body["stream"] == true)
                    #expect(body["stream_options"] == ["include_usage": true])
                }
            }
        }
    }

    @Test("without options the body is what it always was")
    func plainBody() async throws {
        try await withProvider { provider, simulator in
            _ = try await provider.complete(Self.request(options: [:], messages: [.user("hi")]))
            var body = try #require(try Self.lastBody(simulator).objectValue)
            // However the call is made upstream, plain or streamed and assembled.
            body["stream"] = nil
            body["stream_options"] = nil
            let expected: JSONValue = [
                "model": "tiny", "messages": [["role": "user", "content": "hi"]], "max_tokens": 33, "temperature": 0.3,
            ]
            #expect(JSONValue.object(body) == expected)
        }
    }

    static let weather: [String: JSONValue] = ["tools": options["tools"]!]

    @Test("a tool call comes back: content null, tool_calls kept, finish_reason tool_calls, plain and streamed")
    func toolCalls() async throws {
        try await withProvider { provider, simulator in
            try simulator.setBehavior(SimulatorBehavior(callsTools: true), for: "tiny")
            let request = Self.request(options: Self.weather, messages: [.user("weather in Paris today please")])
            let answer = try await provider.complete(request)
            #expect(answer.text == "")
            #expect(answer.finishReason == "tool_calls")
            let call = try #require(answer.extras.toolCalls.first)
            #expect(call["type"] == "function")
            #expect(call["function"]?["name"] == "get_weather")
            #expect(call["function"]?["arguments"] == #"{"city":"weather in Paris today"}"#)
            #expect(call["id"]?.stringValue?.hasPrefix("call_") == true)

            let pieces = PieceLog()
            let streamed = try await provider.streamPieces(request) { pieces.append($0) }
            #expect(streamed.finishReason == "tool_calls")
            // The fragments are relayed as they came (name first, the arguments in three pieces) …
            let fragments = pieces.all.compactMap { $0.delta["tool_calls"]?.arrayValue?.first }
            #expect(fragments.count == 4)
            #expect(fragments.first?["function"]?["name"] == "get_weather")
            #expect(fragments.allSatisfy { $0["index"] == 0 })
            // … and assembled into the same call as the whole answer's.
            #expect(streamed.extras.toolCalls == answer.extras.toolCalls)
            #expect(streamed.text == "")
        }
    }

    @Test("a tool conversation round-trips: the tool's result gets a text answer")
    func toolConversation() async throws {
        try await withProvider { provider, simulator in
            try simulator.setBehavior(SimulatorBehavior(callsTools: true), for: "tiny")
            let answer = try await provider.complete(Self.request(options: Self.weather))
            // The last message is a user message, so the simulator calls the tool again …
            #expect(answer.finishReason == "tool_calls")
            // … and after the tool's result it answers with text.
            let result = try await provider.complete(
                Self.request(options: Self.weather, messages: Array(Self.messages.prefix(4)))
            )
            #expect(result.finishReason == "stop")
            #expect(!result.text.isEmpty)
            #expect(result.extras.toolCalls.isEmpty)
            #expect(try Self.lastBody(simulator)["messages"] == .array(Array(Self.conversation.prefix(4))))
        }
    }
}

/// Pieces a stream delivered.
final class PieceLog: Sendable {
    private let pieces = Mutex<[AnswerDelta]>([])
    func append(_ piece: AnswerDelta) { pieces.withLock { $0.append(piece) } }
    var all: [AnswerDelta] { pieces.withLock { $0 } }
}
