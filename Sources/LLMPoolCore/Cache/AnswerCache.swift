/// A cache of answers keyed by ``CacheKey``. Backends: ``InMemoryAnswerCache`` and
/// ``RedisAnswerCache``. A cache never throws to the caller: a failing backend behaves as a miss.
public protocol AnswerCache: Sendable {
    /// The backend's name for metrics (`memory`, `redis`).
    var backend: String { get }
    /// The cached answer, if present and fresh.
    func get(_ key: CacheKey) async -> CachedAnswer?
    /// Stores an answer.
    func set(_ key: CacheKey, _ value: CachedAnswer) async
}

/// What the cache keeps of an answer.
public struct CachedAnswer: Sendable, Hashable {
    /// The generated text.
    public var text: String
    /// The model that produced it.
    public var model: String
    /// The provider that produced it.
    public var provider: String
    /// Its token usage.
    public var usage: TokenUsage
    /// Why generation stopped.
    public var finishReason: String

    /// Creates a cached answer.
    public init(text: String, model: String, provider: String, usage: TokenUsage, finishReason: String) {
        self.text = text
        self.model = model
        self.provider = provider
        self.usage = usage
        self.finishReason = finishReason
    }

    /// Approximate memory held by this entry.
    var byteSize: Int { text.utf8.count + model.utf8.count + provider.utf8.count + 64 }
}
