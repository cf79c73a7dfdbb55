import LLMPoolCore

/// The body of `POST /v1/chat/completions`, as the OpenAI API defines it.
///
/// llm-pool reads `model`, `messages`, `stream`, `stream_options`, `max_tokens` /
/// `max_completion_tokens`, `temperature`, `user` (the tenant) and its own `strategy` and
/// `metadata` (a `pool/<task>`'s template variables). Every other member (`tools`, `tool_choice`,
/// `response_format`, `stop`, `seed`, `top_p`, `logprobs`, `n`, …) is kept as JSON in
/// ``options`` and forwarded, and messages keep all their members (``ChatMessage/extras``).
struct ChatCompletionRequest: Decodable, Sendable {
    /// Members the pool decides or consumes itself, never forwarded as they came.
    static let consumed: Set<String> = [
        "model", "messages", "stream", "stream_options", "max_tokens", "temperature", "strategy",
    ]

    struct Message: Decodable, Sendable {
        var role: String
        /// The text: `content` when a string, its `text` parts joined when an array.
        var content: String
        /// The other members as sent, and `content` when it is an array or null.
        var extras: [String: JSONValue]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: JSONKey.self)
            let contentKey = JSONKey("content")
            role = try container.decode(String.self, forKey: JSONKey("role"))
            extras = try container.members(except: ["role", "content"])
            // `content` is a string, an array of parts, or null; it may be left out only by an
            // assistant message that calls tools.
            if !container.contains(contentKey), extras["tool_calls"] != nil || extras["function_call"] != nil {
                content = ""
                extras["content"] = .null
            } else if let text = try? container.decodeIfPresent(String.self, forKey: contentKey) {
                content = text
            } else if try container.decodeNil(forKey: contentKey) {
                content = ""
                extras["content"] = .null
            } else if case .array(let parts)? = try? container.decode(JSONValue.self, forKey: contentKey) {
                content = parts.compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }.joined()
                extras["content"] = .array(parts)
            } else {
                throw DecodingError.typeMismatch(
                    String.self,
                    .init(
                        codingPath: container.codingPath + [contentKey],
                        debugDescription: "content must be a string, an array of content parts or null"
                    )
                )
            }
        }

        /// The domain message; `developer` is sent as `system`, which every server knows.
        var chatMessage: ChatMessage {
            ChatMessage(role: role == "developer" ? "system" : role, content: content, extras: extras)
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
    /// Every member not in ``consumed``, as sent: forwarded to the provider.
    var options: [String: JSONValue]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: JSONKey.self)
        func key(_ name: String) -> JSONKey { JSONKey(name) }
        model = try container.decode(String.self, forKey: key("model"))
        messages = try container.decode([Message].self, forKey: key("messages"))
        stream = try container.decodeIfPresent(Bool.self, forKey: key("stream"))
        streamOptions = try container.decodeIfPresent(StreamOptions.self, forKey: key("stream_options"))
        maxTokens = try container.decodeIfPresent(Int.self, forKey: key("max_tokens"))
        maxCompletionTokens = try container.decodeIfPresent(Int.self, forKey: key("max_completion_tokens"))
        temperature = try container.decodeIfPresent(Double.self, forKey: key("temperature"))
        user = try container.decodeIfPresent(String.self, forKey: key("user"))
        metadata = try container.decodeIfPresent([String: String].self, forKey: key("metadata"))
        strategy = try container.decodeIfPresent(String.self, forKey: key("strategy"))
        options = try container.members(except: Self.consumed)
    }

    static let poolPrefix = "pool/"

    /// The domain request: `pool/<task>` runs the task with the last user message as input;
    /// any other model name is sent to that model with the messages as given. Both forward the
    /// ``options``.
    func inferenceRequest(requestID: String, deadline: Duration?) throws -> InferenceRequest {
        guard !messages.isEmpty else {
            throw PoolError(code: .invalidArgument, message: "messages must contain at least one message")
        }
        for (index, message) in messages.enumerated()
        where !["system", "user", "assistant", "tool", "developer"].contains(message.role) {
            throw PoolError(
                code: .invalidArgument,
                message:
                    "messages[\(index)].role must be system, user, assistant, tool or developer, got '\(message.role)'",
                param: "messages[\(index)].role"
            )
        }
        var strategyKind: StrategyKind?
        if let strategy {
            guard let kind = StrategyKind(name: strategy) else {
                throw PoolError(
                    code: .invalidArgument,
                    message:
                        "strategy must be one of \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(strategy)'",
                    param: "strategy"
                )
            }
            strategyKind = kind
        }
        let maxTokens = maxCompletionTokens ?? self.maxTokens
        if model.hasPrefix(Self.poolPrefix) {
            try checkTaskRequest()
            let task = String(model.dropFirst(Self.poolPrefix.count))
            let input = messages.last { $0.role == "user" }?.content ?? ""
            var options = self.options
            // For a task, `metadata` fills the template's variables: llm-pool's, not the provider's.
            options["metadata"] = nil
            return InferenceRequest(
                requestID: requestID,
                task: task,
                input: input,
                strategy: strategyKind,
                maxTokens: maxTokens,
                temperature: temperature,
                deadline: deadline,
                tenant: user,
                metadata: metadata ?? [:],
                options: options
            )
        }
        guard !model.isEmpty else {
            throw PoolError(
                code: .invalidArgument,
                message: "model is required: a configured model or pool/<task>",
                param: "model"
            )
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
            directMessages: messages.map(\.chatMessage),
            directProvider: model,
            options: options
        )
    }

    /// What a `pool/<task>` cannot take: a task answers one input with one answer, so several
    /// choices and a conversation carrying tool results (which the task's prompt would lose)
    /// are refused rather than half-served.
    private func checkTaskRequest() throws {
        if let n = options["n"], !n.isNull, n.intValue != 1 {
            throw PoolError(
                code: .invalidArgument,
                message: "n must be 1 for \(model): a task gives one answer; name a model to get several choices",
                param: "n"
            )
        }
        if let index = messages.firstIndex(where: { $0.role == "tool" }) {
            throw PoolError(
                code: .invalidArgument,
                message:
                    "messages[\(index)] is a tool result, which \(model) cannot take: a task's prompt holds the last "
                    + "user message only; send tool conversations to a model by name",
                param: "messages[\(index)]"
            )
        }
    }
}
