/// A request for embeddings, in the shape of OpenAI's `POST /v1/embeddings`.
///
/// ```swift
/// let request = EmbeddingRequest(requestID: "r1", model: "nomic-embed-text", input: ["hello", "world"])
/// let answer = try await orchestrator.embed(request)
/// ```
public struct EmbeddingRequest: Sendable, Hashable {
    /// The request id, for logs and traces.
    public var requestID: String
    /// The model asked for: a provider's `name` or its `model`, among providers with
    /// `embeddings = true`.
    public var model: String
    /// The texts to embed, one vector each.
    public var input: [String]
    /// The input exactly as sent (a string, a list of strings, token arrays), forwarded as is to
    /// OpenAI-compatible providers.
    public var rawInput: JSONValue
    /// The request's other fields (`encoding_format`, `dimensions`, `user`, …): forwarded as they
    /// are by OpenAI-compatible providers; Ollama takes `truncate`, `options` and `dimensions`
    /// and refuses `encoding_format: base64`.
    public var options: [String: JSONValue]
    /// How long the request may take; `nil` for the pool's default deadline.
    public var deadline: Duration?
    /// Extra headers to send upstream, such as `traceparent`.
    public var headers: [String: String]

    /// Creates a request. `rawInput` defaults to `input` as a JSON list of strings.
    public init(
        requestID: String,
        model: String,
        input: [String],
        rawInput: JSONValue? = nil,
        options: [String: JSONValue] = [:],
        deadline: Duration? = nil,
        headers: [String: String] = [:]
    ) {
        self.requestID = requestID
        self.model = model
        self.input = input
        self.rawInput = rawInput ?? .array(input.map { .string($0) })
        self.options = options
        self.deadline = deadline
        self.headers = headers
    }

    /// The bytes of every input text: what rate limits estimate the cost from.
    public var inputBytes: Int { input.reduce(0) { $0 + $1.utf8.count } }
}
