import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// A ``Provider`` speaking Ollama's native API.
///
/// - Completions go to `/api/chat` with the messages, or to `/api/generate` with the messages
///   flattened (system messages become `system`; a single other message becomes `prompt`, several
///   become `Role: text` paragraphs ending with `Assistant:`), as the configuration's
///   `endpoint` says. `max_tokens` and `temperature` are sent as `options.num_predict` and
///   `options.temperature`; the request's OpenAI options, tools, images and tool calls are
///   translated by ``OllamaTranslation``, which refuses (``check(_:)``) what Ollama cannot
///   honour. Ollama's tool calls come back in the OpenAI shape, with `finish_reason`
///   `tool_calls`. `keep_alive` is sent when configured.
/// - Streams read Ollama's NDJSON lines; token counts come from `prompt_eval_count` and `eval_count`.
/// - Health is `GET /api/tags`: healthy only when the configured model is listed (`llama3` and
///   `llama3:latest` name the same model).
///
/// A plain call is bounded by the smaller of ``ProviderRequest/timeout`` and `timeout_ms`. A
/// streamed call has `timeout_ms` for its first token and `idle_timeout_ms` between lines, and
/// runs as long as ``ProviderRequest/timeout`` allows; with `upstream_streaming` (off by default
/// for this kind) ``complete(_:)`` streams too. Counts the final line leaves out are estimated
/// (``UsageEstimator``). ``ProviderRequest/headers`` are sent upstream.
public struct OllamaProvider: Provider {
    /// The configured name (`name`).
    public let name: String
    /// The model requested from the backend (`model`).
    public let model: String
    /// Always `ollama`.
    public var system: String { "ollama" }
    /// The host of the base URL.
    public let serverAddress: String
    /// The configured `tasks`; empty means every task.
    public let supportedTasks: Set<String>
    /// The configuration the provider was built from.
    public let configuration: ProviderConfiguration

    let http: ProviderHTTP
    let baseURL: String
    private let healthTimeout: Duration

    /// Creates a provider.
    ///
    /// - Parameters:
    ///   - configuration: The provider's `[[providers]]` entry; its `kind` is not checked.
    ///   - httpClient: The shared HTTP client; see ``ProviderFactory/recommendedHTTPClientConfiguration()``.
    ///   - healthTimeout: The time a health probe may take. Default 2 s.
    ///   - clock: What time limits are measured on. Default the system clock.
    public init(
        configuration: ProviderConfiguration,
        httpClient: HTTPClient,
        healthTimeout: Duration = .seconds(2),
        clock: any PoolClock = SystemPoolClock()
    ) {
        self.configuration = configuration
        self.name = configuration.name
        self.model = configuration.model
        self.serverAddress = ProviderURL.host(of: configuration.baseURL)
        self.supportedTasks = Set(configuration.tasks)
        self.baseURL = ProviderURL.trimmed(configuration.baseURL)
        self.healthTimeout = healthTimeout
        self.http = ProviderHTTP(client: httpClient, provider: configuration.name, fixedHeaders: [], clock: clock)
    }

    /// Completes a conversation: streamed from the backend and assembled with
    /// `upstream_streaming`, else as one plain call.
    ///
    /// - Throws: ``PoolError``: `deadlineExceeded`, `cancelled`, `unavailable`, `upstreamFailed`,
    ///   or the codes of an upstream 4xx (see ``ProviderFailure``).
    public func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        if configuration.upstreamStreaming { return try await stream(request) { _ in } }
        let (url, body) = try prepare(request, stream: false)
        let timeout = min(request.timeout, configuration.timeout)
        // The caller's deadline is the binding limit and the caller enforces it: no second timer.
        let enforced = request.deadlineEnforced && request.timeout <= configuration.timeout
        return try await http.call(timeout: timeout, url: url, enforcedByCaller: enforced) { [http, model] in
            let response = try await http.send(.POST, url: url, json: body, headers: request.headers, timeout: timeout)
            let answer = try await http.decode(OllamaWire.Chunk.self, from: response, url: url)
            if let error = answer.error { throw Self.generationFailed(error, provider: http.provider) }
            guard let text = answer.text else {
                throw ProviderFailure.malformed(
                    provider: http.provider,
                    "neither \"message\" nor \"response\" in the answer"
                )
            }
            let calls = OllamaTranslation.openAIToolCalls(answer.message?.toolCalls ?? [])
            return Self.response(text: text, final: answer, model: model, messages: request.messages, toolCalls: calls)
        }
    }

    /// Streams the text of a completion, reading the NDJSON body no faster than `onDelta` takes
    /// the pieces.
    ///
    /// - Throws: The ``PoolError``s of ``complete(_:)``, or what `onDelta` threw.
    public func stream(
        _ request: ProviderRequest,
        onDelta: @escaping @Sendable (String) async throws -> Void
    ) async throws -> ProviderResponse {
        try await streamPieces(request) { piece in
            if !piece.text.isEmpty { try await onDelta(piece.text) }
        }
    }

    /// Streams a completion, reading the NDJSON body no faster than `onPiece` takes the pieces;
    /// a line with tool calls becomes a piece with whole `tool_calls` in the OpenAI shape.
    ///
    /// - Throws: The ``PoolError``s of ``complete(_:)``, or what `onPiece` threw.
    public func streamPieces(
        _ request: ProviderRequest,
        onPiece: @escaping @Sendable (AnswerDelta) async throws -> Void
    ) async throws -> ProviderResponse {
        let (url, body) = try prepare(request, stream: true)
        let limits = StreamLimits(
            firstToken: min(request.timeout, configuration.timeout),
            idle: configuration.idleTimeout,
            total: request.timeout
        )
        return try await http.streamingCall(limits: limits, url: url) { [http, model] watch in
            let response = try await http.send(
                .POST,
                url: url,
                json: body,
                headers: request.headers,
                timeout: ProviderHTTP.headTimeout(limits)
            )
            var text = ""
            var deltas = 0
            var calls: [JSONValue] = []
            var final: OllamaWire.Chunk?
            try await http.forEachLine(of: response, url: url, watch: watch) { line in
                guard final == nil, !line.isEmpty else { return }
                let chunk = try http.decode(OllamaWire.Chunk.self, from: ByteBuffer(string: line))
                if let error = chunk.error { throw Self.generationFailed(error, provider: http.provider) }
                var piece = AnswerDelta(text: chunk.text ?? "")
                if let toolCalls = chunk.message?.toolCalls, !toolCalls.isEmpty {
                    let translated = OllamaTranslation.openAIToolCalls(toolCalls, startingAt: calls.count)
                    let numbered = translated.enumerated().map { offset, call -> JSONValue in
                        var members = call.objectValue ?? [:]
                        members["index"] = .integer(Int64(calls.count + offset))
                        return .object(members)
                    }
                    calls += translated
                    piece.delta["tool_calls"] = .array(numbered)
                }
                if !piece.text.isEmpty || !piece.isTextOnly {
                    text += piece.text
                    if !piece.text.isEmpty { deltas += 1 }
                    try await http.deliver(piece, to: onPiece, watch: watch)
                }
                if chunk.done == true { final = chunk }
            }
            guard let final else {
                throw PoolError(
                    code: .upstreamFailed,
                    message: "the stream from provider '\(http.provider)' ended before its final \"done\" line"
                )
            }
            return Self.response(
                text: text,
                final: final,
                model: model,
                messages: request.messages,
                deltas: deltas,
                toolCalls: calls
            )
        }
    }

    /// Refuses, before any call, what Ollama cannot honour.
    /// - Throws: ``PoolError`` `invalidArgument` naming the field.
    public func check(_ request: ProviderRequest) throws {
        // Plain text with no options: nothing to refuse, and nothing to translate twice.
        guard !request.options.isEmpty || request.messages.contains(where: { !$0.extras.isEmpty }) else { return }
        _ = try prepare(request, stream: false)
    }

    /// Probes the backend's model list; never throws.
    public func health() async -> ProviderHealth {
        let url = baseURL + "/api/tags"
        do {
            let tags = try await http.call(timeout: healthTimeout, url: url) { [http, healthTimeout] in
                let response = try await http.send(.GET, url: url, timeout: healthTimeout)
                return try await http.decode(OllamaWire.Tags.self, from: response, url: url)
            }
            let serves = tags.models.contains { listed in
                Self.sameModel(listed.name, model) || listed.model.map { Self.sameModel($0, model) } == true
            }
            guard serves else {
                let served = tags.models.map(\.name).joined(separator: ", ")
                return ProviderHealth(
                    healthy: false,
                    detail: "model '\(model)' is not served by \(baseURL) (served: \(served))"
                )
            }
            return ProviderHealth(healthy: true)
        } catch {
            return ProviderHealth(healthy: false, detail: (error as? PoolError)?.message ?? "\(error)")
        }
    }

    // MARK: Helpers

    /// The URL and JSON body of a completion.
    /// - Throws: ``PoolError`` `invalidArgument` naming a field Ollama cannot honour.
    private func prepare(_ request: ProviderRequest, stream: Bool) throws -> (url: String, body: ByteBuffer) {
        let keepAlive = configuration.keepAlive
        switch configuration.ollamaEndpoint {
        case .chat:
            let body = try OllamaTranslation.chatBody(
                model: model,
                request: request,
                stream: stream,
                keepAlive: keepAlive,
                provider: name
            )
            return (baseURL + "/api/chat", ProviderHTTP.json(body))
        case .generate:
            let body = try OllamaTranslation.generateBody(
                model: model,
                request: request,
                stream: stream,
                keepAlive: keepAlive,
                provider: name
            )
            return (baseURL + "/api/generate", ProviderHTTP.json(body))
        }
    }

    /// Flattens a conversation for `/api/generate`.
    static func flatten(_ messages: [ChatMessage]) -> (system: String?, prompt: String) {
        let system = messages.filter { $0.role == "system" }.map(\.content)
        let turns = messages.filter { $0.role != "system" }
        let prompt: String
        if turns.count <= 1 {
            prompt = turns.first?.content ?? ""
        } else {
            prompt =
                (turns.map { "\($0.role.prefix(1).uppercased() + $0.role.dropFirst()): \($0.content)" } + ["Assistant:"])
                .joined(separator: "\n\n")
        }
        return (system.isEmpty ? nil : system.joined(separator: "\n\n"), prompt)
    }

    /// The answer; Ollama says `stop` after tool calls, where OpenAI says `tool_calls`.
    private static func response(
        text: String,
        final: OllamaWire.Chunk,
        model: String,
        messages: [ChatMessage],
        deltas: Int? = nil,
        toolCalls: [JSONValue]
    ) -> ProviderResponse {
        var finishReason = final.doneReason ?? "stop"
        if !toolCalls.isEmpty, finishReason == "stop" { finishReason = "tool_calls" }
        return ProviderResponse(
            text: text,
            model: final.model ?? model,
            usage: UsageEstimator.usage(
                reportedInput: final.promptEvalCount,
                reportedOutput: final.evalCount,
                messages: messages,
                text: text,
                deltas: deltas
            ),
            finishReason: finishReason,
            extras: toolCalls.isEmpty ? .none : AnswerExtras(message: ["tool_calls": .array(toolCalls)])
        )
    }

    private static func generationFailed(_ message: String, provider: String) -> PoolError {
        PoolError(code: .upstreamFailed, message: "provider '\(provider)' failed while generating: \(message)")
    }

    /// Whether two Ollama model names are the same model (`llama3` is `llama3:latest`).
    static func sameModel(_ a: String, _ b: String) -> Bool {
        a == b || a == b + ":latest" || a + ":latest" == b
    }
}
