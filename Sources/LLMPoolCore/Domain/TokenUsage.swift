/// Tokens consumed by one call or one request.
public struct TokenUsage: Sendable, Hashable, Codable {
    /// Tokens in the prompt.
    public var inputTokens: Int
    /// Tokens generated.
    public var outputTokens: Int
    /// Whether llm-pool counted some of these itself because the backend did not report them
    /// (llama.cpp's streams ignore `stream_options.include_usage`): see ``UsageEstimator``.
    /// Exported as `source="estimated"` in `llm_pool_tokens_total`.
    public var estimated: Bool

    /// Creates a usage record.
    public init(inputTokens: Int = 0, outputTokens: Int = 0, estimated: Bool = false) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.estimated = estimated
    }

    /// The sum of input and output tokens.
    public var totalTokens: Int { inputTokens + outputTokens }

    /// Adds two usage records; the sum is estimated when either is.
    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        .init(
            inputTokens: lhs.inputTokens + rhs.inputTokens,
            outputTokens: lhs.outputTokens + rhs.outputTokens,
            estimated: lhs.estimated || rhs.estimated
        )
    }

    private enum CodingKeys: String, CodingKey {
        case inputTokens, outputTokens, estimated
    }

    /// Decodes a record; `estimated` may be absent (records written before it existed).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            inputTokens: try container.decode(Int.self, forKey: .inputTokens),
            outputTokens: try container.decode(Int.self, forKey: .outputTokens),
            estimated: try container.decodeIfPresent(Bool.self, forKey: .estimated) ?? false
        )
    }
}
