/// What a provider is asked to do: one chat completion.
public struct ProviderRequest: Sendable, Hashable {
    /// The conversation to complete.
    public var messages: [ChatMessage]
    /// The maximum number of tokens to generate.
    public var maxTokens: Int
    /// The sampling temperature.
    public var temperature: Double
    /// The time this call may take, streams included (the request's remaining deadline): a plain
    /// call is bounded by the smaller of this and the provider's `timeout_ms`; a streamed one by
    /// this, with `timeout_ms` for its first token and `idle_timeout_ms` between chunks.
    public var timeout: Duration
    /// Extra headers to send upstream, such as `traceparent`.
    public var headers: [String: String]
    /// The task the call serves (a metrics label; empty when unknown).
    public var task: String
    /// The request's other fields in the shape of the OpenAI chat API (`tools`, `tool_choice`,
    /// `response_format`, `stop`, `seed`, `top_p`, …), by name: sent as they are by
    /// OpenAI-compatible providers, translated (or refused) by Ollama providers.
    public var options: [String: JSONValue]
    /// Whether the caller cancels the call once ``timeout`` runs out (the orchestrator does, for
    /// every call a strategy makes): a plain call whose own `timeout_ms` is no shorter then runs
    /// without a timer of its own. Default false: the provider bounds the call itself.
    public var deadlineEnforced = false

    /// Creates a provider request.
    public init(
        messages: [ChatMessage],
        maxTokens: Int,
        temperature: Double,
        timeout: Duration,
        headers: [String: String] = [:],
        task: String = "",
        options: [String: JSONValue] = [:]
    ) {
        self.task = task
        self.options = options
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.timeout = timeout
        self.headers = headers
    }
}

/// A provider's complete answer.
public struct ProviderResponse: Sendable, Hashable {
    /// The generated text.
    public var text: String
    /// The model name the provider reported.
    public var model: String
    /// Token counts reported by the provider.
    public var usage: TokenUsage
    /// Why generation stopped (`stop`, `length`, `tool_calls`).
    public var finishReason: String
    /// The rest of the answer (tool calls, logprobs, more choices), in the OpenAI shape.
    public var extras: AnswerExtras

    /// Creates a response.
    public init(
        text: String,
        model: String,
        usage: TokenUsage,
        finishReason: String = "stop",
        extras: AnswerExtras = .none
    ) {
        self.text = text
        self.model = model
        self.usage = usage
        self.finishReason = finishReason
        self.extras = extras
    }
}

/// The health a provider reports when probed.
public struct ProviderHealth: Sendable, Hashable {
    /// Whether the provider answered its health check and serves its model.
    public var healthy: Bool
    /// Why it is unhealthy, when it is.
    public var detail: String

    /// Creates a health record.
    public init(healthy: Bool, detail: String = "") {
        self.healthy = healthy
        self.detail = detail
    }
}

/// An LLM backend serving one model.
///
/// Implementations: ``OllamaProvider`` and ``OpenAICompatibleProvider``. Both turn every failure
/// into a ``PoolError`` (`upstreamFailed`, `unavailable`, `deadlineExceeded`; for an upstream 4xx
/// the caller-fault codes of ``PoolError/isCallerFault`` or, for a 429, `resourceExhausted` with
/// its ``PoolError/retryAfter``), honour ``ProviderRequest/timeout``, close the upstream
/// connection when the calling task is cancelled, and answer with usage (estimated by
/// ``UsageEstimator`` when the backend reports none).
public protocol Provider: Sendable {
    /// The provider's configured name, unique in the pool.
    var name: String { get }
    /// The model this provider serves, as the backend names it (`llama3.1:8b`).
    var model: String { get }
    /// The backend protocol (`ollama`, `openai`), used as `gen_ai.system`.
    var system: String { get }
    /// The address of the backend, used as `server.address`.
    var serverAddress: String { get }
    /// The tasks this provider may serve; empty means every task.
    var supportedTasks: Set<String> { get }

    /// Completes a conversation.
    func complete(_ request: ProviderRequest) async throws -> ProviderResponse
    /// Streams a completion in the calling task: calls `onDelta` with each piece of text as it
    /// arrives, in order and one at a time, awaiting it before reading on (a slow consumer slows
    /// the upstream read: that is the back-pressure), and returns the whole answer once the
    /// backend finished.
    ///
    /// An error thrown by `onDelta` ends the call and is rethrown unchanged; cancelling the
    /// calling task closes the upstream call.
    /// - Throws: The ``PoolError``s of ``complete(_:)``, or what `onDelta` threw.
    func stream(
        _ request: ProviderRequest,
        onDelta: @escaping @Sendable (String) async throws -> Void
    ) async throws -> ProviderResponse
    /// Streams a completion as ``stream(_:onDelta:)`` does, handing over whole pieces: text and,
    /// for pieces that carry more, tool-call fragments and logprobs. The default sends the text
    /// of ``stream(_:onDelta:)``; providers whose answers carry more implement it.
    /// - Throws: The ``PoolError``s of ``complete(_:)``, or what `onPiece` threw.
    func streamPieces(
        _ request: ProviderRequest,
        onPiece: @escaping @Sendable (AnswerDelta) async throws -> Void
    ) async throws -> ProviderResponse
    /// Checks, before any call, that the provider can honour the request's
    /// ``ProviderRequest/options`` and messages. The default accepts everything.
    /// - Throws: ``PoolError`` `invalidArgument` naming the field (``PoolError/param``) it cannot honour.
    func check(_ request: ProviderRequest) throws
    /// Probes the backend.
    func health() async -> ProviderHealth
    /// Whether the provider serves embeddings (`embeddings = true`). Default false.
    var servesEmbeddings: Bool { get }
    /// Embeds texts. The default refuses: only providers with ``servesEmbeddings`` implement it.
    /// - Throws: The ``PoolError``s of ``complete(_:)``.
    func embed(_ request: EmbeddingRequest, timeout: Duration) async throws -> EmbeddingResponse
}

extension Provider {
    /// Streams the text of ``stream(_:onDelta:)`` as pieces.
    public func streamPieces(
        _ request: ProviderRequest,
        onPiece: @escaping @Sendable (AnswerDelta) async throws -> Void
    ) async throws -> ProviderResponse {
        try await stream(request) { text in try await onPiece(AnswerDelta(text: text)) }
    }

    /// Accepts every request.
    public func check(_ request: ProviderRequest) throws {}

    /// No embeddings.
    public var servesEmbeddings: Bool { false }

    /// Refuses: this provider serves no embeddings.
    public func embed(_ request: EmbeddingRequest, timeout: Duration) async throws -> EmbeddingResponse {
        throw PoolError(
            code: .invalidArgument,
            message: "provider '\(name)' serves no embeddings",
            param: "model"
        )
    }

    /// Whether the provider may serve a task.
    public func supports(task: String) -> Bool {
        supportedTasks.isEmpty || supportedTasks.contains(task)
    }
}
