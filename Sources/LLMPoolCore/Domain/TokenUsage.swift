/// Tokens consumed by one call or one request.
public struct TokenUsage: Sendable, Hashable, Codable {
    /// Tokens in the prompt.
    public var inputTokens: Int
    /// Tokens generated.
    public var outputTokens: Int

    /// Creates a usage record.
    public init(inputTokens: Int = 0, outputTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    /// The sum of input and output tokens.
    public var totalTokens: Int { inputTokens + outputTokens }

    /// Adds two usage records.
    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        .init(inputTokens: lhs.inputTokens + rhs.inputTokens, outputTokens: lhs.outputTokens + rhs.outputTokens)
    }
}
