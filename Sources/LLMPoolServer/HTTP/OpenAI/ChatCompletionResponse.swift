import Foundation
import LLMPoolCore
import LLMPoolObservability

/// The OpenAI response objects (`chat.completion`, `chat.completion.chunk`), as Codable structs:
/// encoding typed values is several times cheaper than `JSONSerialization` on `[String: Any]`,
/// and this is the hot path of every OpenAI-style request.
enum ChatCompletionResponse {
    struct Usage: Encodable {
        var promptTokens: Int
        var completionTokens: Int
        var totalTokens: Int
        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
        }
        init(_ usage: TokenUsage) {
            promptTokens = usage.inputTokens
            completionTokens = usage.outputTokens
            totalTokens = usage.totalTokens
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

    struct Message: Encodable {
        var role = "assistant"
        var content: String
    }

    struct Delta: Encodable {
        var role: String?
        var content: String?
    }

    struct Choice<Body: Encodable>: Encodable {
        var index = 0
        var message: Body?
        var delta: Body?
        var finishReason: String?
        enum CodingKeys: String, CodingKey { case index, message, delta, finishReason = "finish_reason", logprobs }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encodeIfPresent(message, forKey: .message)
            try container.encodeIfPresent(delta, forKey: .delta)
            try container.encode(finishReason, forKey: .finishReason)
            try container.encodeNil(forKey: .logprobs)
        }
    }

    struct Completion: Encodable {
        var id: String
        var object = "chat.completion"
        var created: Int
        var model: String
        var choices: [Choice<Message>]
        var usage: Usage
        var llmPool: PoolInfo
        enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage, llmPool = "llm_pool" }
    }

    struct Chunk: Encodable {
        var id: String
        var object = "chat.completion.chunk"
        var created: Int
        var model: String
        var choices: [Choice<Delta>]
        var usage: Usage?
        var llmPool: PoolInfo?
        enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage, llmPool = "llm_pool" }
    }

    static func completion(_ answer: InferenceAnswer, requestedModel: String, created: Int) throws -> Data {
        let model = requestedModel.hasPrefix(ChatCompletionRequest.poolPrefix) ? answer.model : requestedModel
        return try encode(
            Completion(
                id: "chatcmpl-\(answer.requestID)",
                created: created,
                model: model,
                choices: [Choice(message: Message(content: answer.text), finishReason: answer.finishReason)],
                usage: Usage(answer.usage),
                llmPool: PoolInfo(answer)
            )
        )
    }

    static func chunk(id: String, model: String, created: Int, delta: Delta, finishReason: String? = nil) throws -> Data
    {
        try encode(
            Chunk(
                id: "chatcmpl-\(id)",
                created: created,
                model: model,
                choices: [Choice(delta: delta, finishReason: finishReason)]
            )
        )
    }

    static func usageChunk(id: String, model: String, created: Int, answer: InferenceAnswer) throws -> Data {
        try encode(
            Chunk(
                id: "chatcmpl-\(id)",
                created: created,
                model: model,
                choices: [],
                usage: Usage(answer.usage),
                llmPool: PoolInfo(answer)
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
