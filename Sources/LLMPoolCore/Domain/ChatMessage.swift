/// One message of a chat conversation sent to a provider.
///
/// The pool reads ``role`` and ``content`` (the text); ``extras`` keeps the rest of the message as
/// the caller sent it, in the shape of the OpenAI chat API: `tool_calls` of an assistant message,
/// `tool_call_id` of a tool message, `name`, and `content` itself when it was not a plain string
/// (an array of parts such as `image_url` and `input_audio`, or `null`). OpenAI-compatible
/// providers send the message as it came; Ollama providers translate what Ollama understands.
public struct ChatMessage: Sendable, Hashable {
    /// `system`, `user`, `assistant` or `tool`.
    public var role: String
    /// The text of the message: `content` when a string, its text parts joined when an array.
    public var content: String
    /// The message's other members as sent, by name; empty for messages llm-pool renders itself.
    public var extras: [String: JSONValue]

    /// Creates a message.
    public init(role: String, content: String, extras: [String: JSONValue] = [:]) {
        self.role = role
        self.content = content
        self.extras = extras
    }

    /// A `system` message.
    public static func system(_ content: String) -> ChatMessage { .init(role: "system", content: content) }
    /// A `user` message.
    public static func user(_ content: String) -> ChatMessage { .init(role: "user", content: content) }

    /// The message in the OpenAI shape: `role`, `content` (the parts or `null` kept in
    /// ``extras``, else the text) and every other member of ``extras``.
    public var openAIObject: JSONValue {
        var members = extras
        members["role"] = .string(role)
        if members["content"] == nil { members["content"] = .string(content) }
        return .object(members)
    }

    /// The content parts, when `content` was sent as an array.
    public var parts: [JSONValue]? { extras["content"]?.arrayValue }

    /// The tool calls of an assistant message (`tool_calls`), empty when it has none.
    public var toolCalls: [JSONValue] { extras["tool_calls"]?.arrayValue ?? [] }
}
