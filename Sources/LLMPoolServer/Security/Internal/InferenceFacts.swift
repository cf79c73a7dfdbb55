import Foundation
import LLMPoolCore
import LLMPoolProto
import NIOCore
import NIOFoundationCompat

/// What rate limiting needs from a request body before the request runs: the tenant it names,
/// its task, the size of its prompt and the `max_tokens` it asks for.
///
/// Read leniently: a body that does not parse gives empty facts, and the route reports the
/// malformed body as usual.
struct InferenceFacts: Sendable, Equatable {
    var tenant: String?
    var task: String?
    var promptBytes = 0
    var maxTokens: Int?

    /// Facts of a native (`/v1/infer`, proto3 JSON `Query`) or OpenAI (`/v1/chat/completions`) body.
    init(path: String, body: ByteBuffer) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] else {
            return
        }
        if path.hasPrefix("/v1/chat/completions") {
            // OpenAI: `user` is the tenant, as ChatCompletionRequest maps it.
            tenant = object["user"] as? String
            if let model = object["model"] as? String, model.hasPrefix("pool/") { task = String(model.dropFirst(5)) }
            maxTokens = Self.int(object["max_completion_tokens"]) ?? Self.int(object["max_tokens"])
            for message in object["messages"] as? [[String: Any]] ?? [] {
                if let text = message["content"] as? String {
                    promptBytes += text.utf8.count
                } else if let parts = message["content"] as? [[String: Any]] {
                    promptBytes += parts.compactMap { $0["text"] as? String }.reduce(0) { $0 + $1.utf8.count }
                }
            }
        } else {
            tenant = object["tenant"] as? String
            task = object["task"] as? String
            promptBytes = (object["input"] as? String)?.utf8.count ?? 0
            maxTokens = Self.int(object["maxTokens"]) ?? Self.int(object["max_tokens"])
        }
        if tenant?.isEmpty == true { tenant = nil }
    }

    /// Facts of a gRPC `Query`.
    init(query: Vvtv_Llmpool_V1_Query) {
        tenant = query.tenant.isEmpty ? nil : query.tenant
        task = query.task
        promptBytes = query.input.utf8.count
        maxTokens = query.hasMaxTokens ? Int(query.maxTokens) : nil
    }

    private static func int(_ value: Any?) -> Int? {
        switch value {
        case let number as Int: return number
        case let number as Double: return Int(number)
        case let text as String: return Int(text)
        default: return nil
        }
    }
}
