/// The JSON of the OpenAI chat completions API that the provider sends and reads.
/// See https://platform.openai.com/docs/api-reference/chat.
enum OpenAIWire {
    /// `stream_options`.
    struct StreamOptions: Encodable, Sendable {
        var includeUsage: Bool
        private enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    /// `POST /v1/chat/completions`.
    struct ChatRequest: Encodable, Sendable {
        var model: String
        var messages: [ChatMessage]
        var maxTokens: Int
        var temperature: Double
        var stream: Bool
        var streamOptions: StreamOptions?

        private enum CodingKeys: String, CodingKey {
            case model, messages, temperature, stream
            case maxTokens = "max_tokens"
            case streamOptions = "stream_options"
        }
    }

    /// Token counts.
    struct Usage: Decodable, Sendable {
        var promptTokens: Int?
        var completionTokens: Int?

        private enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
        }

        var tokenUsage: TokenUsage { TokenUsage(inputTokens: promptTokens ?? 0, outputTokens: completionTokens ?? 0) }
    }

    /// A `chat.completion`, or one `chat.completion.chunk` of a stream.
    struct Completion: Decodable, Sendable {
        struct Message: Decodable, Sendable {
            var content: String?
        }

        struct Choice: Decodable, Sendable {
            var message: Message?
            var delta: Message?
            var finishReason: String?

            private enum CodingKeys: String, CodingKey {
                case message, delta
                case finishReason = "finish_reason"
            }
        }

        struct ErrorDetail: Decodable, Sendable {
            var message: String?
        }

        var model: String?
        var choices: [Choice]?
        var usage: Usage?
        /// Set instead of the rest when a stream fails midway.
        var error: ErrorDetail?
    }

    /// `GET /v1/models`.
    struct ModelList: Decodable, Sendable {
        struct Model: Decodable, Sendable {
            var id: String
        }
        var data: [Model]
    }
}
