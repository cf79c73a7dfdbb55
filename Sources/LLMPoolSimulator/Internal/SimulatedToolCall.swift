import NIOCore

/// The call a model answers with when ``SimulatorBehavior/callsTools`` is on and the request
/// offers tools: deterministic, so tests can expect it exactly.
struct SimulatedToolCall: Sendable, Hashable {
    /// The call's id, `call_` and 16 hex digits derived from the prompt and the model's seed.
    var id: String
    /// The function called.
    var name: String
    /// The one argument's name.
    var argumentName: String
    /// The one argument's value: the first four words of the last user message.
    var argumentValue: String

    /// How many words of the last user message make the argument.
    static let argumentWords = 4

    /// Picks the call for a request, or `nil` when it gets a text answer: no tools,
    /// `"tool_choice": "none"`, a last message with the role `tool` (the model answers the
    /// tool's result), or a `tool_choice` naming a tool not offered.
    init?(
        tools: [SimulatorWire.Tool]?,
        choice: SimulatorWire.ToolChoice? = nil,
        messages: [SimulatorWire.Message],
        prompt: String,
        seed: UInt64
    ) {
        guard let tools, !tools.isEmpty, messages.last?.role != "tool" else { return nil }
        let tool: SimulatorWire.Tool
        switch choice {
        case .none?: return nil
        case .named(let name)?:
            guard let named = tools.first(where: { $0.function.name == name }) else { return nil }
            tool = named
        case .any?, nil:
            tool = tools[0]
        }
        let parameters = tool.function.parameters
        let source = messages.last(where: { $0.role == "user" })?.content ?? prompt
        let hex = String(AnswerGenerator.fingerprint(of: prompt, seed: seed), radix: 16)
        self.id = "call_" + String(repeating: "0", count: 16 - hex.count) + hex
        self.name = tool.function.name
        self.argumentName = parameters?.required?.first ?? parameters?.propertyNames.first ?? "query"
        self.argumentValue = AnswerGenerator.words(of: source).prefix(Self.argumentWords).joined(separator: " ")
    }

    /// The arguments as an object, for Ollama.
    var arguments: [String: String] { [argumentName: argumentValue] }

    /// The arguments as JSON text, for OpenAI: `{"query":"what is the weather"}`.
    var argumentsJSON: String { argumentPieces.joined() }

    /// The arguments' JSON text in the three pieces a stream sends, as real servers split it over
    /// several chunks: `{"query":`, `"what is the weather"`, `}`.
    var argumentPieces: [String] {
        ["{" + Self.jsonString(argumentName) + ":", Self.jsonString(argumentValue), "}"]
    }

    /// The tokens the call counts as: the words of the function name and of its arguments' JSON.
    var tokens: Int { AnswerGenerator.words(of: name + " " + argumentsJSON).count }

    /// A string as a JSON string literal.
    private static func jsonString(_ text: String) -> String {
        String(buffer: SimulatorJSON.buffer(text))
    }
}
