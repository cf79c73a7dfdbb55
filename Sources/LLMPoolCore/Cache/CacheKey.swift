import Crypto
import Foundation
import LLMPoolObservability

/// A SHA-256 digest over everything that changes an answer: the task, the rendered prompt (every
/// message whole: its content parts, tool calls and tool call ids included), the set of models
/// that may answer, the strategy, `max_tokens`, the temperature and every forwarded option
/// (`tools`, `response_format`, `stop`, `seed`, `top_p`, …, as canonical JSON).
public struct CacheKey: Sendable, Hashable, CustomStringConvertible {
    /// The hex digest.
    public let digest: String

    /// Computes a key. Fields are length-prefixed so that no two different inputs hash alike.
    public init(
        task: String,
        strategy: StrategyKind,
        messages: [ChatMessage],
        models: [String],
        maxTokens: Int,
        temperature: Double,
        options: [String: JSONValue] = [:]
    ) {
        var hasher = SHA256()
        func add(_ field: String) {
            var length = UInt64(field.utf8.count).bigEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            hasher.update(data: Data(field.utf8))
        }
        add("v2")
        add(task)
        add(strategy.rawValue)
        add(String(messages.count))
        for message in messages {
            add(message.role)
            add(message.content)
            add(message.extras.isEmpty ? "" : JSONValue.object(message.extras).canonicalText)
        }
        add(models.sorted().joined(separator: ","))
        add(String(maxTokens))
        add(String(temperature))
        add(JSONValue.object(options).canonicalText)
        digest = Hex.encode(hasher.finalize())
    }

    public var description: String { digest }
}
