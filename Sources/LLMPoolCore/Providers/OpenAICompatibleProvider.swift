import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A ``Provider`` speaking the OpenAI chat completions API: vLLM, llama.cpp's server, LM Studio,
/// Ollama's `/v1`, OpenAI itself.
///
/// - Completions go to `<base>/v1/chat/completions`; the base URL may end with `/v1` or not.
/// - Streams read server-sent events with `stream_options.include_usage` set, so the last chunk
///   carries token counts; a stream must end with `data: [DONE]` or a `finish_reason`.
/// - Health is `GET <base>/v1/models`: healthy only when the configured model is listed.
/// - When `api_key_env` is set, the key is read from that environment variable once, at
///   construction, and sent as `Authorization: Bearer`. A missing or empty variable is a
///   configuration error thrown by the initialiser, so a misconfigured pool fails at start-up
///   rather than on its first request.
///
/// A plain call is bounded by the smaller of ``ProviderRequest/timeout`` and `timeout_ms`. A
/// streamed call has `timeout_ms` for its first token and `idle_timeout_ms` between chunks, and
/// runs as long as ``ProviderRequest/timeout`` allows. With `upstream_streaming` (the default for
/// this kind) ``complete(_:)`` streams too and assembles the answer, so that cancelling it stops
/// the backend's generation. Token counts a stream leaves out are estimated
/// (``UsageEstimator``). ``ProviderRequest/headers`` are sent upstream.
public struct OpenAICompatibleProvider: Provider {
    /// The configured name (`name`).
    public let name: String
    /// The model requested from the backend (`model`).
    public let model: String
    /// Always `openai`.
    public var system: String { "openai" }
    /// The host of the base URL.
    public let serverAddress: String
    /// The configured `tasks`; empty means every task.
    public let supportedTasks: Set<String>
    /// The configuration the provider was built from.
    public let configuration: ProviderConfiguration

    let http: ProviderHTTP
    /// The API root, ending with `/v1`.
    let apiRoot: String
    private let healthTimeout: Duration

    /// Creates a provider.
    ///
    /// - Parameters:
    ///   - configuration: The provider's `[[providers]]` entry; its `kind` is not checked.
    ///   - httpClient: The shared HTTP client; see ``ProviderFactory/recommendedHTTPClientConfiguration()``.
    ///   - environment: Where `api_key_env` is looked up. Default: the process environment.
    ///   - healthTimeout: The time a health probe may take. Default 2 s.
    ///   - clock: What time limits are measured on. Default the system clock.
    /// - Throws: ``PoolError`` `invalidConfiguration` when `api_key_env` names a variable that is
    ///   unset or empty.
    public init(
        configuration: ProviderConfiguration,
        httpClient: HTTPClient,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        healthTimeout: Duration = .seconds(2),
        clock: any PoolClock = SystemPoolClock()
    ) throws {
        var fixedHeaders: [(String, String)] = []
        if let variable = configuration.apiKeyEnv {
            guard let key = environment[variable], !key.isEmpty else {
                throw PoolError(
                    code: .invalidConfiguration,
                    message:
                        "provider '\(configuration.name)': environment variable \(variable) named by api_key_env is not set"
                )
            }
            fixedHeaders.append(("Authorization", "Bearer \(key)"))
        }
        self.configuration = configuration
        self.name = configuration.name
        self.model = configuration.model
        self.serverAddress = ProviderURL.host(of: configuration.baseURL)
        self.supportedTasks = Set(configuration.tasks)
        let base = ProviderURL.trimmed(configuration.baseURL)
        self.apiRoot = base.hasSuffix("/v1") ? base : base + "/v1"
        self.healthTimeout = healthTimeout
        self.http = ProviderHTTP(
            client: httpClient,
            provider: configuration.name,
            fixedHeaders: fixedHeaders,
            clock: clock
        )
    }

    /// Completes a conversation: streamed from the backend and assembled with
    /// `upstream_streaming`, else as one plain call.
    ///
    /// - Throws: ``PoolError``: `deadlineExceeded`, `cancelled`, `unavailable`, `upstreamFailed`,
    ///   or the caller-fault codes of an upstream 4xx (`invalidArgument`, `notFound`,
    ///   `payloadTooLarge`, `contextLengthExceeded`) and `resourceExhausted` for a 429; see
    ///   ``ProviderFailure``.
    public func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        if configuration.upstreamStreaming { return try await stream(request) { _ in } }
        return try await completePlainly(request)
    }

    /// One plain (non-streamed) call.
    private func completePlainly(_ request: ProviderRequest) async throws -> ProviderResponse {
        let url = apiRoot + "/chat/completions"
        let body = ProviderHTTP.json(OpenAIWire.chatRequest(model: model, request: request, stream: false))
        let timeout = min(request.timeout, configuration.timeout)
        // The caller's deadline is the binding limit and the caller enforces it: no second timer.
        let enforced = request.deadlineEnforced && request.timeout <= configuration.timeout
        return try await http.call(timeout: timeout, url: url, enforcedByCaller: enforced) { [http, model] in
            let response = try await http.send(.POST, url: url, json: body, headers: request.headers, timeout: timeout)
            let completion = try await http.decode(OpenAIWire.Completion.self, from: response, url: url)
            if let error = completion.error { throw Self.generationFailed(error, provider: http.provider) }
            var answer = try completion.response(model: model, provider: http.provider)
            answer.usage = UsageEstimator.usage(
                reportedInput: completion.usage?.promptTokens,
                reportedOutput: completion.usage?.completionTokens,
                messages: request.messages,
                text: answer.text
            )
            return answer
        }
    }

    /// Streams the text of a completion, reading the server-sent events no faster than `onDelta`
    /// takes the pieces.
    ///
    /// A stream answered `200` that ends without a single event is asked again plainly, within the
    /// time left, to learn why: llama-cpp-python validates a streamed request (its context size
    /// included) only after it has sent `200`, then closes the stream without a word, where a
    /// plain request gets the `400 context_length_exceeded` it deserves.
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

    /// Streams a completion, reading the server-sent events no faster than `onPiece` takes the
    /// pieces: text, and tool-call fragments, logprobs and other choices as the chunks carry them.
    ///
    /// - Throws: The ``PoolError``s of ``complete(_:)``, or what `onPiece` threw.
    public func streamPieces(
        _ request: ProviderRequest,
        onPiece: @escaping @Sendable (AnswerDelta) async throws -> Void
    ) async throws -> ProviderResponse {
        let url = apiRoot + "/chat/completions"
        let body = ProviderHTTP.json(OpenAIWire.chatRequest(model: model, request: request, stream: true))
        let limits = StreamLimits(
            firstToken: min(request.timeout, configuration.timeout),
            idle: configuration.idleTimeout,
            total: request.timeout
        )
        let started = http.clock.now
        let streamed = try await http.streamingCall(limits: limits, url: url) { [http, model] watch in
            let response = try await http.send(
                .POST,
                url: url,
                json: body,
                headers: request.headers,
                timeout: ProviderHTTP.headTimeout(limits)
            )
            var parser = SSEEventParser()
            var state = StreamState(model: model, messages: request.messages)
            do {
                try await http.forEachLine(of: response, url: url, watch: watch) { line in
                    guard !state.sawDone, let data = parser.consume(line: line) else { return }
                    state.events += 1
                    if let piece = try state.consume(data, http: http) {
                        try await http.deliver(piece, to: onPiece, watch: watch)
                    }
                }
                if !state.sawDone, let data = parser.finish() {
                    state.events += 1
                    if let piece = try state.consume(data, http: http) {
                        try await http.deliver(piece, to: onPiece, watch: watch)
                    }
                }
            } catch let error as PoolError where error.code == .upstreamFailed && state.events == 0 {
                return Streamed.silent(error)
            }
            guard state.sawDone || state.finishReason != nil else {
                let error = PoolError(
                    code: .upstreamFailed,
                    message: "the stream from provider '\(http.provider)' ended before [DONE]"
                )
                if state.events == 0 { return Streamed.silent(error) }
                throw error
            }
            return Streamed.answered(state.response)
        }
        switch streamed {
        case .answered(let response):
            return response
        case .silent(let error):
            let response = try await askPlainly(request, started: started, after: error)
            if !response.text.isEmpty { try await onPiece(AnswerDelta(text: response.text)) }
            return response
        }
    }

    /// The plain call after a silent stream, within the time the request has left. The server
    /// that closed the stream may close its connection just after: a call that finds it closed
    /// (a keep-alive race: the connection went back to the pool before its close was seen) is
    /// made once more, on a fresh one.
    private func askPlainly(
        _ request: ProviderRequest,
        started: ContinuousClock.Instant,
        after error: PoolError
    ) async throws -> ProviderResponse {
        for attempt in 1...2 {
            var plain = request
            plain.timeout = request.timeout - started.duration(to: http.clock.now)
            guard plain.timeout > .zero, !Task.isCancelled else { throw error }
            do {
                return try await completePlainly(plain)
            } catch let failure as PoolError where attempt == 1 && ProviderFailure.isConnectionDrop(failure) {
                continue
            }
        }
        throw error
    }

    /// How a streamed call ended: with an answer, or answered `200` and then closed without a
    /// single event.
    private enum Streamed: Sendable {
        case answered(ProviderResponse)
        case silent(PoolError)
    }

    /// Probes the backend's model list; never throws.
    public func health() async -> ProviderHealth {
        let url = apiRoot + "/models"
        do {
            let list = try await http.call(timeout: healthTimeout, url: url) { [http, healthTimeout] in
                let response = try await http.send(.GET, url: url, timeout: healthTimeout)
                return try await http.decode(OpenAIWire.ModelList.self, from: response, url: url)
            }
            guard list.data.contains(where: { $0.id == model }) else {
                let served = list.data.map(\.id).joined(separator: ", ")
                return ProviderHealth(
                    healthy: false,
                    detail: "model '\(model)' is not served by \(apiRoot) (served: \(served))"
                )
            }
            return ProviderHealth(healthy: true)
        } catch {
            return ProviderHealth(healthy: false, detail: (error as? PoolError)?.message ?? "\(error)")
        }
    }

    private static func generationFailed(_ error: OpenAIWire.Completion.ErrorDetail, provider: String) -> PoolError {
        PoolError(
            code: .upstreamFailed,
            message: "provider '\(provider)' failed while generating: \(error.message ?? "unknown error")"
        )
    }

    /// What a stream has delivered so far.
    private struct StreamState {
        var model: String
        /// The prompt, for a usage estimate when the stream reports none.
        var messages: [ChatMessage]
        var text = ""
        var finishReason: String?
        var usage: OpenAIWire.Usage?
        var sawDone = false
        /// Content deltas received: the output tokens, when the stream reports none.
        var deltas = 0
        var extras = StreamedExtras()
        /// Server-sent events received, whatever they held.
        var events = 0

        /// Reads one event's data and returns the piece it adds, if any.
        mutating func consume(_ data: String, http: ProviderHTTP) throws -> AnswerDelta? {
            if data == "[DONE]" {
                sawDone = true
                return nil
            }
            let chunk = try http.decode(OpenAIWire.Completion.self, from: ByteBuffer(string: data))
            if let error = chunk.error { throw generationFailed(error, provider: http.provider) }
            if let reported = chunk.model { model = reported }
            extras.add(completion: chunk.extras)
            if let usage = chunk.usage {
                self.usage = usage
                extras.add(usage: usage.extras)
            }
            let (choice, others) = chunk.split
            if let reason = choice?.finishReason { finishReason = reason }
            let piece = AnswerDelta(
                text: choice?.delta?.content ?? "",
                delta: choice?.delta?.extras ?? [:],
                choice: choice?.extras ?? [:],
                otherChoices: others.map(\.json)
            )
            guard !piece.text.isEmpty || !piece.isTextOnly else { return nil }
            text += piece.text
            if !piece.text.isEmpty { deltas += 1 }
            extras.add(piece)
            return piece
        }

        var response: ProviderResponse {
            let usage = UsageEstimator.usage(
                reportedInput: usage?.promptTokens,
                reportedOutput: usage?.completionTokens,
                messages: messages,
                text: text,
                deltas: deltas
            )
            return ProviderResponse(
                text: text,
                model: model,
                usage: usage,
                finishReason: finishReason ?? "stop",
                extras: extras.value
            )
        }
    }
}
