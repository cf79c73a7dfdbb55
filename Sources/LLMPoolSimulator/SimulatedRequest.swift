/// A request the ``ProviderSimulator`` received for one of its models, as recorded for tests
/// (``ProviderSimulator/recentRequests()``): what reached the backend after the pool rendered,
/// routed and decorated it.
public struct SimulatedRequest: Sendable, Hashable {
    /// The endpoint path (`/api/chat`, `/api/generate`, `/v1/chat/completions`).
    public var endpoint: String
    /// The model named.
    public var model: String
    /// The prompt text: every message's content (or Ollama's `system` and `prompt`), joined by newlines.
    public var prompt: String
    /// Whether a stream was asked for.
    public var streaming: Bool
    /// The token cap asked for (`max_tokens`, `max_completion_tokens`, `options.num_predict`).
    public var maxTokens: Int?
    /// The request headers, names lowercased; a repeated header keeps its last value.
    public var headers: [String: String]
    /// The raw request body as received (UTF-8 text; invalid bytes are replaced), so that
    /// pass-through tests can check exactly what reached the backend: `tools`, `stream_options`,
    /// fields the simulator itself ignores.
    public var body: String

    /// Creates a record.
    public init(
        endpoint: String,
        model: String,
        prompt: String,
        streaming: Bool,
        maxTokens: Int?,
        headers: [String: String],
        body: String = ""
    ) {
        self.endpoint = endpoint
        self.model = model
        self.prompt = prompt
        self.streaming = streaming
        self.maxTokens = maxTokens
        self.headers = headers
        self.body = body
    }
}
