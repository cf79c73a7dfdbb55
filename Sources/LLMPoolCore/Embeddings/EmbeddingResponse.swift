/// What a provider answered to an ``EmbeddingRequest``, in the shape of OpenAI's answer.
public struct EmbeddingResponse: Sendable, Hashable {
    /// The `data` items, as the upstream sent them (`{"object":"embedding","index":0,
    /// "embedding":[…]}`; the embedding is a base64 string with `encoding_format: base64`).
    public var data: [JSONValue]
    /// The model the provider reported.
    public var model: String
    /// Input tokens (embeddings generate none); estimated when the backend reports none.
    public var usage: TokenUsage
    /// Other top-level members of the upstream answer, relayed to the client.
    public var extras: [String: JSONValue]

    /// Creates a response.
    public init(data: [JSONValue], model: String, usage: TokenUsage, extras: [String: JSONValue] = [:]) {
        self.data = data
        self.model = model
        self.usage = usage
        self.extras = extras
    }
}

/// The pool's answer to an ``EmbeddingRequest``: the provider's response and how it was chosen.
public struct EmbeddingAnswer: Sendable {
    /// The embeddings.
    public var response: EmbeddingResponse
    /// The provider that answered.
    public var provider: String
    /// Whether the answer came from the cache.
    public var cached: Bool
    /// The providers tried, in order, with their outcomes.
    public var decision: EnsembleDecision
    /// The time the pool took.
    public var latency: Duration

    /// Creates an answer.
    public init(
        response: EmbeddingResponse,
        provider: String,
        cached: Bool,
        decision: EnsembleDecision,
        latency: Duration
    ) {
        self.response = response
        self.provider = provider
        self.cached = cached
        self.decision = decision
        self.latency = latency
    }
}
