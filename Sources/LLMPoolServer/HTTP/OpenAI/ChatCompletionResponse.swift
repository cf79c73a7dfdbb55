import Foundation
import LLMPoolCore

/// Builds the OpenAI response objects (`chat.completion`, `chat.completion.chunk`, `list`).
enum ChatCompletionResponse {
    static func completion(_ answer: InferenceAnswer, requestedModel: String, created: Int) -> [String: Any] {
        [
            "id": "chatcmpl-\(answer.requestID)",
            "object": "chat.completion",
            "created": created,
            "model": requestedModel.hasPrefix(ChatCompletionRequest.poolPrefix) ? answer.model : requestedModel,
            "choices": [[
                "index": 0,
                "message": ["role": "assistant", "content": answer.text],
                "finish_reason": answer.finishReason,
                "logprobs": NSNull(),
            ]],
            "usage": usage(answer.usage),
            "llm_pool": poolExtension(answer),
        ]
    }

    static func chunk(id: String, model: String, created: Int, delta: [String: Any], finishReason: String? = nil) -> [String: Any] {
        [
            "id": "chatcmpl-\(id)",
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [["index": 0, "delta": delta, "finish_reason": finishReason.map { $0 as Any } ?? NSNull(), "logprobs": NSNull()]],
        ]
    }

    static func usageChunk(id: String, model: String, created: Int, answer: InferenceAnswer) -> [String: Any] {
        [
            "id": "chatcmpl-\(id)",
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [] as [Any],
            "usage": usage(answer.usage),
            "llm_pool": poolExtension(answer),
        ]
    }

    static func usage(_ usage: TokenUsage) -> [String: Any] {
        ["prompt_tokens": usage.inputTokens, "completion_tokens": usage.outputTokens, "total_tokens": usage.totalTokens]
    }

    /// llm-pool's own fields, ignored by OpenAI clients: who answered and why.
    static func poolExtension(_ answer: InferenceAnswer) -> [String: Any] {
        [
            "provider": answer.provider,
            "strategy": answer.strategy.rawValue,
            "cached": answer.cached,
            "latency_ms": answer.latency.fractionalMilliseconds,
            "winner": answer.decision.winner,
            "reason": answer.decision.reason,
            "hedges_fired": answer.decision.hedgesFired,
        ]
    }

    static func json(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }
}
