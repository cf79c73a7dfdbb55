/// One recent decision as `GET /v1/admin/decisions` and the console's event stream show it
/// (JSON, snake_case keys). Version 1 of the shape; members are only ever added.
public struct DecisionView: Codable, Sendable, Hashable {
    /// Position in the ring's history, increasing.
    public var sequence: UInt64
    /// When the request ended, ISO 8601 with milliseconds.
    public var at: String
    /// How long ago, in milliseconds.
    public var agoMs: Double
    /// The request id.
    public var requestId: String
    /// The trace id (32 hex digits), when the request had a server span.
    public var traceId: String?
    /// `console.trace_link` with the trace id filled in, when both exist.
    public var traceUrl: String?
    /// `http`, `openai` or `grpc`.
    public var api: String
    /// The task.
    public var task: String
    /// The strategy.
    public var strategy: String
    /// Whether streamed.
    public var stream: Bool
    /// `ok` or the error code.
    public var code: String
    /// The error message, when failed.
    public var error: String?
    /// Arrival to answer.
    public var latencyMs: Double
    /// The winning provider; absent when none won.
    public var winner: String?
    /// The answering model.
    public var model: String?
    /// Why the winner won.
    public var reason: String?
    /// Hedged calls fired.
    public var hedgesFired: Int
    /// Whether served from the cache.
    public var cached: Bool
    /// Every provider asked, in order.
    public var candidates: [Candidate]
    /// The input text, only with `console.show_inputs = true`.
    public var input: String?

    /// One provider call of a decision.
    public struct Candidate: Codable, Sendable, Hashable {
        /// The provider.
        public var provider: String
        /// Its model.
        public var model: String
        /// `won`, `lost`, `cancelled`, `failed`, `timed_out` or `skipped`.
        public var outcome: String
        /// How long the call ran.
        public var latencyMs: Double
        /// Its error, when it failed.
        public var error: String?
    }
}
