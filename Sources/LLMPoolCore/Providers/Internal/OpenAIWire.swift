/// The JSON of the OpenAI chat completions API that the provider sends and reads.
/// See https://platform.openai.com/docs/api-reference/chat.
enum OpenAIWire {
    /// The body of `POST /v1/chat/completions`: the request's options as the caller sent them, the
    /// messages whole, and what the pool decides: the provider's model, the token cap (under the
    /// name the caller used, `max_completion_tokens` or `max_tokens`), the temperature and
    /// streaming (with `stream_options.include_usage`, so the last chunk carries token counts).
    static func chatRequest(model: String, request: ProviderRequest, stream: Bool) -> JSONValue {
        var body = request.options
        body["model"] = .string(model)
        body["messages"] = .array(request.messages.map(\.openAIObject))
        let cap = JSONValue.integer(Int64(request.maxTokens))
        if body["max_completion_tokens"] != nil {
            body["max_completion_tokens"] = cap
        } else {
            body["max_tokens"] = cap
        }
        body["temperature"] = .double(request.temperature)
        body["stream"] = .bool(stream)
        body["stream_options"] = stream ? ["include_usage": true] : nil
        return .object(body)
    }

    /// Token counts, and whatever else `usage` carries (`prompt_tokens_details`, …).
    struct Usage: Decodable, Sendable {
        var promptTokens: Int?
        var completionTokens: Int?
        var extras: [String: JSONValue]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: JSONKey.self)
            promptTokens = try container.decodeIfPresent(Int.self, forKey: JSONKey("prompt_tokens"))
            completionTokens = try container.decodeIfPresent(Int.self, forKey: JSONKey("completion_tokens"))
            extras = try container.values(except: ["prompt_tokens", "completion_tokens", "total_tokens"])
        }

        var tokenUsage: TokenUsage { TokenUsage(inputTokens: promptTokens ?? 0, outputTokens: completionTokens ?? 0) }
    }

    /// A `chat.completion`, or one `chat.completion.chunk` of a stream.
    struct Completion: Decodable, Sendable {
        /// A choice's `message`, or a chunk's `delta`.
        struct Message: Decodable, Sendable {
            /// `assistant`, when sent (a stream sends it in its first delta).
            var role: String?
            /// The text; `nil` when `null` or absent (a tool call).
            var content: String?
            /// The other members with a value (`tool_calls`, `refusal`, …), and `content` when it
            /// is neither a string nor null.
            var extras: [String: JSONValue]

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: JSONKey.self)
                extras = try container.values(except: ["role"])
                role = try? container.decodeIfPresent(String.self, forKey: JSONKey("role"))
                content = extras["content"]?.stringValue
                if content != nil { extras["content"] = nil }
            }
        }

        struct Choice: Decodable, Sendable {
            var index: Int?
            var message: Message?
            var delta: Message?
            var finishReason: String?
            /// The other members with a value (`logprobs`, …).
            var extras: [String: JSONValue]

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: JSONKey.self)
                index = try container.decodeIfPresent(Int.self, forKey: JSONKey("index"))
                message = try container.decodeIfPresent(Message.self, forKey: JSONKey("message"))
                delta = try container.decodeIfPresent(Message.self, forKey: JSONKey("delta"))
                finishReason = try container.decodeIfPresent(String.self, forKey: JSONKey("finish_reason"))
                extras = try container.values(except: ["index", "message", "delta", "finish_reason"])
            }

            /// The choice as JSON again, for relaying a choice after the first.
            var json: JSONValue {
                var members = extras
                members["index"] = index.map { .integer(Int64($0)) } ?? .null
                members["finish_reason"] = finishReason.map(JSONValue.string) ?? .null
                // Null members are not kept; OpenAI clients read this one.
                if members["logprobs"] == nil { members["logprobs"] = .null }
                if let message { members["message"] = Self.json(message, whole: true) }
                if let delta { members["delta"] = Self.json(delta, whole: false) }
                return .object(members)
            }

            /// A message (`whole`: its role and content always there, as OpenAI writes them) or a delta.
            private static func json(_ message: Message, whole: Bool) -> JSONValue {
                var members = message.extras
                if let role = message.role ?? (whole ? "assistant" : nil) { members["role"] = .string(role) }
                if let content = message.content {
                    members["content"] = .string(content)
                } else if members["content"] == nil, whole {
                    members["content"] = .null
                }
                return .object(members)
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
        /// The other members with a value (`system_fingerprint`, `service_tier`, …).
        var extras: [String: JSONValue]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: JSONKey.self)
            model = try container.decodeIfPresent(String.self, forKey: JSONKey("model"))
            choices = try container.decodeIfPresent([Choice].self, forKey: JSONKey("choices"))
            usage = try container.decodeIfPresent(Usage.self, forKey: JSONKey("usage"))
            error = try? container.decodeIfPresent(ErrorDetail.self, forKey: JSONKey("error"))
            extras = try container.values(except: ["id", "object", "created", "model", "choices", "usage", "error"])
        }

        /// Choice 0 (a choice without an index counts as 0), and the others. A chunk of a stream
        /// with several choices (`n` > 1) may carry only other choices.
        var split: (first: Choice?, others: [Choice]) {
            guard let choices, !choices.isEmpty else { return (nil, []) }
            guard let position = choices.firstIndex(where: { ($0.index ?? 0) == 0 }) else { return (nil, choices) }
            var others = choices
            let first = others.remove(at: position)
            return (first, others)
        }

        /// The answer of a whole `chat.completion`.
        /// - Throws: ``PoolError`` `upstreamFailed` when it has no `choices[0].message`.
        func response(model fallback: String, provider: String) throws -> ProviderResponse {
            let (first, others) = split
            guard let first, let message = first.message else {
                throw ProviderFailure.malformed(provider: provider, "no choices[0].message in the answer")
            }
            let extras = AnswerExtras(
                message: message.extras,
                choice: first.extras,
                completion: self.extras,
                usage: usage?.extras ?? [:],
                otherChoices: others.map(\.json)
            )
            return ProviderResponse(
                text: message.content ?? "",
                model: model ?? fallback,
                usage: usage?.tokenUsage ?? TokenUsage(),
                finishReason: first.finishReason ?? (extras.toolCalls.isEmpty ? "stop" : "tool_calls"),
                extras: extras
            )
        }
    }

    /// `GET /v1/models`.
    struct ModelList: Decodable, Sendable {
        struct Model: Decodable, Sendable {
            var id: String
        }
        var data: [Model]
    }
}

extension KeyedDecodingContainer where Key == JSONKey {
    /// The members not in `known` that have a value: `null` says nothing a relay must keep.
    fileprivate func values(except known: Set<String>) throws -> [String: JSONValue] {
        try members(except: known).filter { !$0.value.isNull }
    }
}
