/// One piece of a streamed answer: the text it adds and, for pieces that carry more, the rest in
/// the shape of an OpenAI `chat.completion.chunk`.
public struct AnswerDelta: Sendable, Hashable {
    /// The text added to the answer (choice 0's `delta.content`); may be empty.
    public var text: String
    /// Members of choice 0's `delta` other than `role` and `content`: `tool_calls` fragments,
    /// `refusal`, `reasoning_content`.
    public var delta: [String: JSONValue]
    /// Members of choice 0 other than `index`, `delta` and `finish_reason`: `logprobs`.
    public var choice: [String: JSONValue]
    /// The chunk's other choices (`n` > 1), whole, as the upstream sent them.
    public var otherChoices: [JSONValue]

    /// Creates a piece.
    public init(
        text: String,
        delta: [String: JSONValue] = [:],
        choice: [String: JSONValue] = [:],
        otherChoices: [JSONValue] = []
    ) {
        self.text = text
        self.delta = delta
        self.choice = choice
        self.otherChoices = otherChoices
    }

    /// Whether the piece carries only text.
    public var isTextOnly: Bool { delta.isEmpty && choice.isEmpty && otherChoices.isEmpty }
}
