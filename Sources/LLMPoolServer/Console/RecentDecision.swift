import LLMPoolCore
import LLMPoolObservability

/// One finished inference request as the console lists it: what was asked, how the pool decided
/// and how it ended. Kept in the ``DecisionRing``; made by the ``Gateway`` from values the request
/// already holds (the decision, the error), so recording one copies references, not text.
public struct RecentDecision: Sendable {
    /// Position in the ring's history: 1 for the first decision recorded, increasing by one.
    public var sequence: UInt64
    /// When the request ended, on the orchestrator's clock.
    public var at: ContinuousClock.Instant
    /// The request id (`X-Request-Id`).
    public var requestID: String
    /// The trace of the request, when it had a server span.
    public var traceID: TraceID?
    /// The front door.
    public var api: RequestAPI
    /// The task, or the model for a model named directly.
    public var task: String
    /// The strategy that ran, or would have.
    public var strategy: String
    /// Whether the answer was streamed.
    public var streaming: Bool
    /// `ok`, or the error's code (`unavailable`, `deadline_exceeded`, …).
    public var code: String
    /// The error's message, when the request failed.
    public var error: String?
    /// Arrival to answer.
    public var latency: Duration
    /// How the answer was chosen; `nil` when the request failed before a strategy decided.
    public var decision: EnsembleDecision?
    /// The answering provider and model, when answered.
    public var provider: String?
    /// The answering model.
    public var model: String?
    /// Whether the answer came from the cache.
    public var cached: Bool
    /// The request's input text, only with `console.show_inputs = true`.
    public var input: String?

    /// Creates a record.
    public init(
        sequence: UInt64 = 0,
        at: ContinuousClock.Instant,
        requestID: String,
        traceID: TraceID?,
        api: RequestAPI,
        task: String,
        strategy: String,
        streaming: Bool,
        code: String,
        error: String? = nil,
        latency: Duration,
        decision: EnsembleDecision? = nil,
        provider: String? = nil,
        model: String? = nil,
        cached: Bool = false,
        input: String? = nil
    ) {
        self.sequence = sequence
        self.at = at
        self.requestID = requestID
        self.traceID = traceID
        self.api = api
        self.task = task
        self.strategy = strategy
        self.streaming = streaming
        self.code = code
        self.error = error
        self.latency = latency
        self.decision = decision
        self.provider = provider
        self.model = model
        self.cached = cached
        self.input = input
    }
}
