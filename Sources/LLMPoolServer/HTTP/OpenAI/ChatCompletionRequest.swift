import LLMPoolCore

/// The body of `POST /v1/chat/completions`, as the OpenAI API defines it. Fields llm-pool does
/// not use (`n`, `tools`, `logprobs`, …) are ignored.
struct ChatCompletionRequest: Decodable, Sendable {
    struct Message: Decodable, Sendable {
        var role: String
        var content: String

        private enum CodingKeys: String, CodingKey { case role, content }
        private struct Part: Decodable { var type: String; var text: String? }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try container.decode(String.self, forKey: .role)
            // `content` is a string, an array of parts (only text parts are used), or null.
            if let text = try? container.decodeIfPresent(String.self, forKey: .content) {
                content = text
            } else if let parts = try? container.decodeIfPresent([Part].self, forKey: .content) {
                content = parts.compactMap { $0.type == "text" ? $0.text : nil }.joined()
            } else if try container.decodeNil(forKey: .content) {
                content = ""
            } else {
                throw DecodingError.typeMismatch(
                    String.self,
                    .init(
                        codingPath: container.codingPath + [CodingKeys.content],
                        debugDescription: "content must be a string or an array of text parts"
                    )
                )
            }
        }
    }

    struct StreamOptions: Decodable, Sendable {
        var includeUsage: Bool?
        private enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    var model: String
    var messages: [Message]
    var stream: Bool?
    var streamOptions: StreamOptions?
    var maxTokens: Int?
    var maxCompletionTokens: Int?
    var temperature: Double?
    var user: String?
    var metadata: [String: String]?
    var strategy: String?

    private enum CodingKeys: String, CodingKey {
        case model, messages, stream, temperature, user, metadata, strategy
        case streamOptions = "stream_options"
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
    }

    static let poolPrefix = "pool/"

    /// The domain request: `pool/<task>` runs the task with the last user message as input;
    /// any other model name is sent to that model with the messages as given.
    func inferenceRequest(requestID: String, deadline: Duration?) throws -> InferenceRequest {
        guard !messages.isEmpty else {
            throw PoolError(code: .invalidArgument, message: "messages must contain at least one message")
        }
        for (index, message) in messages.enumerated()
        where !["system", "user", "assistant", "tool", "developer"].contains(message.role) {
            throw PoolError(
                code: .invalidArgument,
                message:
                    "messages[\(index)].role must be system, user, assistant, tool or developer, got '\(message.role)'"
            )
        }
        var strategyKind: StrategyKind?
        if let strategy {
            guard let kind = StrategyKind(name: strategy) else {
                throw PoolError(
                    code: .invalidArgument,
                    message:
                        "strategy must be one of \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(strategy)'"
                )
            }
            strategyKind = kind
        }
        let maxTokens = maxCompletionTokens ?? self.maxTokens
        if model.hasPrefix(Self.poolPrefix) {
            let task = String(model.dropFirst(Self.poolPrefix.count))
            let input = messages.last { $0.role == "user" }?.content ?? ""
            return InferenceRequest(
                requestID: requestID,
                task: task,
                input: input,
                strategy: strategyKind,
                maxTokens: maxTokens,
                temperature: temperature,
                deadline: deadline,
                tenant: user,
                metadata: metadata ?? [:]
            )
        }
        guard !model.isEmpty else {
            throw PoolError(code: .invalidArgument, message: "model is required: a configured model or pool/<task>")
        }
        return InferenceRequest(
            requestID: requestID,
            task: "",
            input: "",
            strategy: nil,
            maxTokens: maxTokens,
            temperature: temperature,
            deadline: deadline,
            tenant: user,
            metadata: metadata ?? [:],
            directMessages: messages.map {
                ChatMessage(role: $0.role == "developer" ? "system" : $0.role, content: $0.content)
            },
            directProvider: model
        )
    }
}
