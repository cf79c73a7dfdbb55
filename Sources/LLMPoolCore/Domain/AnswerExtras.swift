/// What an answer carries besides its text, token counts and finish reason, kept as JSON in the
/// shape of the OpenAI chat API so the OpenAI door can relay it as the upstream sent it.
///
/// OpenAI-compatible providers fill it from the upstream's `chat.completion` (or from the chunks
/// of a stream); Ollama providers translate their `message.tool_calls` into `tool_calls` here.
/// Empty for answers without anything more.
public struct AnswerExtras: Sendable, Hashable, Codable {
    /// Members of `choices[0].message` other than `role` and `content`: `tool_calls`, `refusal`,
    /// `reasoning_content`, `annotations`, `audio`.
    public var message: [String: JSONValue]
    /// Members of `choices[0]` other than `index`, `message` and `finish_reason`: `logprobs`.
    public var choice: [String: JSONValue]
    /// Members of the completion other than `id`, `object`, `created`, `model`, `choices` and
    /// `usage`: `system_fingerprint`, `service_tier`.
    public var completion: [String: JSONValue]
    /// Members of `usage` other than the three counts: `prompt_tokens_details`,
    /// `completion_tokens_details`.
    public var usage: [String: JSONValue]
    /// The choices after the first (`n` > 1), whole, as the upstream sent them.
    public var otherChoices: [JSONValue]

    /// Creates extras; all empty by default.
    public init(
        message: [String: JSONValue] = [:],
        choice: [String: JSONValue] = [:],
        completion: [String: JSONValue] = [:],
        usage: [String: JSONValue] = [:],
        otherChoices: [JSONValue] = []
    ) {
        self.message = message
        self.choice = choice
        self.completion = completion
        self.usage = usage
        self.otherChoices = otherChoices
    }

    /// No extras.
    public static var none: AnswerExtras { .init() }

    /// Whether there is nothing beyond the text.
    public var isEmpty: Bool {
        message.isEmpty && choice.isEmpty && completion.isEmpty && usage.isEmpty && otherChoices.isEmpty
    }

    /// The tool calls of the answer (`message.tool_calls`), empty when there are none.
    public var toolCalls: [JSONValue] { message["tool_calls"]?.arrayValue ?? [] }

    /// The tool calls reduced to what they mean, for comparing answers: each call's function name
    /// and its arguments as canonical JSON (arguments that are not JSON are kept as text), in order.
    public var toolCallSignature: String {
        toolCalls.map { call in
            let function = call["function"]
            let name = function?["name"]?.stringValue ?? ""
            let arguments = function?["arguments"]
            let canonical: String
            if let text = arguments?.stringValue {
                canonical = (try? JSONValue(parsing: text))?.canonicalText ?? text
            } else {
                canonical = arguments?.canonicalText ?? "null"
            }
            return "\(name)(\(canonical))"
        }.joined(separator: ";")
    }

    /// Approximate memory held, for cache accounting.
    var byteSize: Int {
        isEmpty
            ? 0
            : JSONValue.object([
                "m": .object(message), "c": .object(choice), "x": .object(completion), "u": .object(usage),
                "o": .array(otherChoices),
            ]).canonicalText.utf8.count
    }

    private enum CodingKeys: String, CodingKey {
        case message, choice, completion, usage
        case otherChoices = "other_choices"
    }

    /// Decodes extras; missing members are empty.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            message: try container.decodeIfPresent([String: JSONValue].self, forKey: .message) ?? [:],
            choice: try container.decodeIfPresent([String: JSONValue].self, forKey: .choice) ?? [:],
            completion: try container.decodeIfPresent([String: JSONValue].self, forKey: .completion) ?? [:],
            usage: try container.decodeIfPresent([String: JSONValue].self, forKey: .usage) ?? [:],
            otherChoices: try container.decodeIfPresent([JSONValue].self, forKey: .otherChoices) ?? []
        )
    }
}
