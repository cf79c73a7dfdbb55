/// The answer to an ``InferenceRequest``: the domain form of the `Answer` message.
public struct InferenceAnswer: Sendable, Hashable {
    /// The request id this answers.
    public var requestID: String
    /// The generated text.
    public var text: String
    /// The model that produced the text.
    public var model: String
    /// The provider that produced the text.
    public var provider: String
    /// The strategy that ran.
    public var strategy: StrategyKind
    /// Tokens used by the winning call.
    public var usage: TokenUsage
    /// Whether the answer came from the cache.
    public var cached: Bool
    /// Time from receiving the request to the answer.
    public var latency: Duration
    /// How the answer was chosen.
    public var decision: EnsembleDecision
    /// Why generation stopped (`stop`, `length`, `tool_calls`).
    public var finishReason: String
    /// The rest of the winning answer (tool calls, logprobs, more choices), in the OpenAI shape.
    public var extras: AnswerExtras

    /// Creates an answer.
    public init(
        requestID: String,
        text: String,
        model: String,
        provider: String,
        strategy: StrategyKind,
        usage: TokenUsage,
        cached: Bool,
        latency: Duration,
        decision: EnsembleDecision,
        finishReason: String = "stop",
        extras: AnswerExtras = .none
    ) {
        self.extras = extras
        self.requestID = requestID
        self.text = text
        self.model = model
        self.provider = provider
        self.strategy = strategy
        self.usage = usage
        self.cached = cached
        self.latency = latency
        self.decision = decision
        self.finishReason = finishReason
    }
}

/// One event of a streamed answer.
public enum AnswerStreamEvent: Sendable, Hashable {
    /// The provider chosen to stream, known once its first token arrived.
    case started(provider: String, model: String)
    /// A piece of generated text, in order.
    case delta(String)
    /// A piece that carries more than text (tool-call fragments, logprobs, other choices), in
    /// order with the text pieces; its text, possibly empty, is part of the answer.
    case fragment(AnswerDelta)
    /// The complete answer, sent last.
    case completed(InferenceAnswer)
}
