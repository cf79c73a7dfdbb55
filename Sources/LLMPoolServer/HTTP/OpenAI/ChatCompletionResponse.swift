import Foundation
import LLMPoolCore
import LLMPoolObservability

/// The OpenAI response objects (`chat.completion`, `chat.completion.chunk`), as Codable structs:
/// encoding typed values is several times cheaper than `JSONSerialization` on `[String: Any]`,
/// and this is the hot path of every OpenAI-style request.
///
/// What the upstream answered beyond text and counts (``AnswerExtras``: `tool_calls`, `refusal`,
/// `logprobs`, `system_fingerprint`, usage details, further choices) is written back where it came
/// from, so a client reads what the model's own server would have sent.
enum ChatCompletionResponse {
    struct Usage: Encodable {
        var promptTokens: Int
        var completionTokens: Int
        var totalTokens: Int
        /// `prompt_tokens_details`, `completion_tokens_details`, … as the upstream sent them.
        var extras: [String: JSONValue] = [:]

        init(_ usage: TokenUsage, extras: [String: JSONValue] = [:]) {
            promptTokens = usage.inputTokens
            completionTokens = usage.outputTokens
            totalTokens = usage.totalTokens
            self.extras = extras
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: JSONKey.self)
            try container.encode(members: extras)
            try container.encode(promptTokens, forKey: JSONKey("prompt_tokens"))
            try container.encode(completionTokens, forKey: JSONKey("completion_tokens"))
            try container.encode(totalTokens, forKey: JSONKey("total_tokens"))
        }
    }

    /// llm-pool's own fields, ignored by OpenAI clients: who answered and why.
    struct PoolInfo: Encodable {
        var provider: String
        var strategy: String
        var cached: Bool
        var latencyMs: Double
        var winner: String
        var reason: String
        var hedgesFired: Int
        enum CodingKeys: String, CodingKey {
            case provider, strategy, cached, winner, reason
            case latencyMs = "latency_ms", hedgesFired = "hedges_fired"
        }
        init(_ answer: InferenceAnswer) {
            provider = answer.provider
            strategy = answer.strategy.rawValue
            cached = answer.cached
            latencyMs = answer.latency.fractionalMilliseconds
            winner = answer.decision.winner
            reason = answer.decision.reason
            hedgesFired = answer.decision.hedgesFired
        }
    }

    /// `choices[i].message`: `content` is null for an answer that only calls tools, as OpenAI sends it.
    struct Message: Encodable {
        var role = "assistant"
        var content: String
        var extras: [String: JSONValue] = [:]

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: JSONKey.self)
            try container.encode(members: extras)
            try container.encode(role, forKey: JSONKey("role"))
            if content.isEmpty, extras["tool_calls"] != nil {
                try container.encodeNil(forKey: JSONKey("content"))
            } else {
                try container.encode(content, forKey: JSONKey("content"))
            }
        }
    }

    /// `choices[i].delta`: text, and tool-call fragments and the like in `extras`.
    struct Delta: Encodable {
        var role: String?
        var content: String?
        var extras: [String: JSONValue] = [:]

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: JSONKey.self)
            try container.encode(members: extras)
            try container.encodeIfPresent(role, forKey: JSONKey("role"))
            try container.encodeIfPresent(content, forKey: JSONKey("content"))
        }
    }

    struct Choice<Body: Encodable>: Encodable {
        var index = 0
        var message: Body?
        var delta: Body?
        var finishReason: String?
        /// `logprobs` and whatever else the upstream's choice carried.
        var extras: [String: JSONValue] = [:]

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: JSONKey.self)
            try container.encode(members: extras)
            try container.encode(index, forKey: JSONKey("index"))
            try container.encodeIfPresent(message, forKey: JSONKey("message"))
            try container.encodeIfPresent(delta, forKey: JSONKey("delta"))
            try container.encode(finishReason, forKey: JSONKey("finish_reason"))
            if extras["logprobs"] == nil { try container.encodeNil(forKey: JSONKey("logprobs")) }
        }
    }

    /// Choice 0 typed, the others as the upstream sent them (`n` > 1).
    struct Choices<Body: Encodable>: Encodable {
        var first: Choice<Body>?
        var others: [JSONValue] = []

        func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            if let first { try container.encode(first) }
            for other in others { try container.encode(other) }
        }
    }

    struct Completion: Encodable {
        var id: String
        var object = "chat.completion"
        var created: Int
        var model: String
        var choices: Choices<Message>
        var usage: Usage
        var llmPool: PoolInfo
        /// `system_fingerprint`, `service_tier`, … as the upstream sent them.
        var extras: [String: JSONValue] = [:]

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: JSONKey.self)
            try container.encode(members: extras)
            try container.encode(id, forKey: JSONKey("id"))
            try container.encode(object, forKey: JSONKey("object"))
            try container.encode(created, forKey: JSONKey("created"))
            try container.encode(model, forKey: JSONKey("model"))
            try container.encode(choices, forKey: JSONKey("choices"))
            try container.encode(usage, forKey: JSONKey("usage"))
            try container.encode(llmPool, forKey: JSONKey("llm_pool"))
        }
    }

    struct Chunk: Encodable {
        var id: String
        var object = "chat.completion.chunk"
        var created: Int
        var model: String
        var choices: Choices<Delta>
        var usage: Usage?
        var llmPool: PoolInfo?
        var extras: [String: JSONValue] = [:]

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: JSONKey.self)
            try container.encode(members: extras)
            try container.encode(id, forKey: JSONKey("id"))
            try container.encode(object, forKey: JSONKey("object"))
            try container.encode(created, forKey: JSONKey("created"))
            try container.encode(model, forKey: JSONKey("model"))
            try container.encode(choices, forKey: JSONKey("choices"))
            try container.encodeIfPresent(usage, forKey: JSONKey("usage"))
            try container.encodeIfPresent(llmPool, forKey: JSONKey("llm_pool"))
        }
    }

    static func completion(_ answer: InferenceAnswer, requestedModel: String, created: Int) throws -> Data {
        let model = requestedModel.hasPrefix(ChatCompletionRequest.poolPrefix) ? answer.model : requestedModel
        let extras = answer.extras
        let first = Choice(
            message: Message(content: answer.text, extras: extras.message),
            finishReason: answer.finishReason,
            extras: extras.choice
        )
        return try encode(
            Completion(
                id: "chatcmpl-\(answer.requestID)",
                created: created,
                model: model,
                choices: Choices(first: first, others: extras.otherChoices),
                usage: Usage(answer.usage, extras: extras.usage),
                llmPool: PoolInfo(answer),
                extras: extras.completion
            )
        )
    }

    /// A chunk with choice 0's delta (none when the chunk carries only other choices) and, when
    /// the piece has them, the other choices' deltas.
    static func chunk(
        id: String,
        model: String,
        created: Int,
        delta: Delta?,
        finishReason: String? = nil,
        choiceExtras: [String: JSONValue] = [:],
        otherChoices: [JSONValue] = [],
        extras: [String: JSONValue] = [:]
    ) throws -> Data {
        try encode(
            Chunk(
                id: "chatcmpl-\(id)",
                created: created,
                model: model,
                choices: Choices(
                    first: delta.map { Choice(delta: $0, finishReason: finishReason, extras: choiceExtras) },
                    others: otherChoices
                ),
                extras: extras
            )
        )
    }

    static func usageChunk(id: String, model: String, created: Int, answer: InferenceAnswer) throws -> Data {
        try encode(
            Chunk(
                id: "chatcmpl-\(id)",
                created: created,
                model: model,
                choices: Choices(),
                usage: Usage(answer.usage, extras: answer.extras.usage),
                llmPool: PoolInfo(answer),
                extras: answer.extras.completion
            )
        )
    }

    /// Encodes a response object; a failure is the caller's 500, never an empty body.
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Encodes a JSON object built by hand (error bodies); one that cannot be encoded gives a
    /// fixed error body.
    static func json(_ object: Any) -> Data {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes]) else {
            return Data(
                #"{"error":{"message":"internal error","type":"server_error","param":null,"code":"internal"}}"#.utf8
            )
        }
        return data
    }
}
