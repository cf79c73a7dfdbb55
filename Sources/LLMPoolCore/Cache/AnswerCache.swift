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
    /// The rest of the answer (tool calls, logprobs, more choices).
    public var extras: AnswerExtras

    /// Creates a cached answer.
    public init(
        text: String,
        model: String,
        provider: String,
        usage: TokenUsage,
        finishReason: String,
        extras: AnswerExtras = .none
    ) {
        self.text = text
        self.model = model
        self.provider = provider
        self.usage = usage
        self.finishReason = finishReason
        self.extras = extras
    }

    /// The parts of an answer the cache keeps.
    init(_ answer: InferenceAnswer) {
        self.init(
            text: answer.text,
            model: answer.model,
            provider: answer.provider,
            usage: answer.usage,
            finishReason: answer.finishReason,
            extras: answer.extras
        )
    }

    /// Approximate memory held by this entry.
    var byteSize: Int { text.utf8.count + model.utf8.count + provider.utf8.count + extras.byteSize + 64 }
}
