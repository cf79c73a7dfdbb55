/// One message of a chat conversation sent to a provider.
public struct ChatMessage: Sendable, Hashable, Codable {
    /// `system`, `user`, `assistant` or `tool`.
    public var role: String
    /// The text of the message.
    public var content: String

    /// Creates a message.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    /// A `system` message.
    public static func system(_ content: String) -> ChatMessage { .init(role: "system", content: content) }
    /// A `user` message.
    public static func user(_ content: String) -> ChatMessage { .init(role: "user", content: content) }
}
