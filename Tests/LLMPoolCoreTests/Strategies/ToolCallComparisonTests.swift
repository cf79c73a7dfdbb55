import LLMPoolCore
import Testing

/// VOTING and CONSENSUS compare tool calls by function name and canonical arguments, as well as text.
@Suite("Comparing answers that call tools")
struct ToolCallComparisonTests {
    /// Answers with a fixed tool call.
    struct Caller: Provider {
        var name: String
        var arguments: String
        var text = ""
        var model: String { "\(name)-model" }
        var system: String { "test" }
        var serverAddress: String { "in-process" }
        var supportedTasks: Set<String> { [] }

        func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
            let call: JSONValue = [
                "id": .string("call_\(name)"), "type": "function",
                "function": ["name": "get_weather", "arguments": .string(arguments)],
            ]
            return ProviderResponse(
                text: text,
                model: model,
                usage: TokenUsage(inputTokens: 1, outputTokens: 1),
                finishReason: "tool_calls",
                extras: AnswerExtras(message: ["tool_calls": [call]])
            )
        }

        func stream(_ request: ProviderRequest, onDelta: @escaping @Sendable (String) async throws -> Void)
            async throws -> ProviderResponse
        {
            try await complete(request)
        }

        func health() async -> ProviderHealth { .init(healthy: true) }
    }

    static func context(_ providers: [Caller]) -> StrategyContext {
        StrategyContext(
            taskName: "t",
            jsonOutput: false,
            providers: providers,
            request: ProviderRequest(messages: [.user("weather?")], maxTokens: 8, temperature: 0, timeout: .seconds(5)),
            deadline: .now.advanced(by: .seconds(5)),
            hedgeDelay: { _ in .milliseconds(50) }
        )
    }

    @Test("VOTING: the same call with its arguments in another order and spacing agrees; another city does not")
    func voting() async throws {
        let providers = [
            Caller(name: "a", arguments: #"{"city":"Paris","unit":"c"}"#),
            Caller(name: "b", arguments: #"{ "unit": "c",  "city": "Paris" }"#),
            Caller(name: "c", arguments: #"{"city":"Lyon"}"#),
        ]
        let result = try await VotingStrategy().run(Self.context(providers))
        #expect(result.decision.reason.hasPrefix("2 of"))
        #expect(result.provider.name == "a")
        #expect(result.response.extras.toolCalls.first?["function"]?["arguments"] == #"{"city":"Paris","unit":"c"}"#)
    }

    @Test("VOTING: equal texts with different calls do not agree")
    func differentCalls() async throws {
        let providers = [
            Caller(name: "a", arguments: #"{"city":"Paris"}"#, text: "ok"),
            Caller(name: "b", arguments: #"{"city":"Lyon"}"#, text: "ok"),
        ]
        let result = try await VotingStrategy().run(Self.context(providers))
        #expect(result.decision.reason.hasPrefix("1 of 2"))
    }

    @Test("CONSENSUS: the same text is no consensus when the calls differ")
    func consensus() async throws {
        let agreeing = [
            Caller(name: "a", arguments: #"{"city":"Paris"}"#, text: "calling"),
            Caller(name: "b", arguments: #"{"city": "Paris"}"#, text: "calling"),
        ]
        let result = try await ConsensusStrategy().run(Self.context(agreeing))
        #expect(result.decision.reason.hasPrefix("2 of 2"))
        let differing = [
            Caller(name: "a", arguments: #"{"city":"Paris"}"#, text: "calling"),
            Caller(name: "b", arguments: #"{"city":"Lyon"}"#, text: "calling"),
        ]
        let error = await #expect(throws: PoolError.self) { try await ConsensusStrategy().run(Self.context(differing)) }
        #expect(error?.code == .noConsensus)
    }
}
