import LLMPoolObservability
import Synchronization
import Tracing

/// Wraps a provider so that every call is measured and traced: a client span named
/// `chat <model>` with the OpenTelemetry GenAI attributes, `traceparent` injected into the
/// upstream request, and the provider metrics of ``PoolMetrics`` (requests by outcome, latency by
/// task with the span as exemplar, time to first token, in-flight calls, tokens, and the GenAI
/// client metrics).
public struct InstrumentedProvider: Provider {
    /// The provider that does the work.
    public let base: any Provider
    let telemetry: PoolTelemetry
    let inflight: GaugeSeries
    let series: Series

    /// The series every call of this provider touches, looked up once.
    final class Series: Sendable {
        let outcomes: [String: CounterSeries]
        /// Input tokens, reported and estimated.
        let inputTokens: TokenSeries
        /// Output tokens, reported and estimated.
        let outputTokens: TokenSeries
        let successDuration: HistogramSeries
        let inputUsage: HistogramSeries
        let outputUsage: HistogramSeries
        let timeToFirstToken: HistogramSeries
        /// `chat <model>`, the GenAI span name.
        let spanName: String
        private let latencyByTask = Mutex<[String: HistogramSeries]>([:])
        private let latency: HistogramFamily
        private let name: String
        private let model: String

        init(metrics: PoolMetrics, name: String, model: String, system: String) {
            self.name = name
            self.model = model
            latency = metrics.providerLatency
            outcomes = Dictionary(
                uniqueKeysWithValues: ["success", "error", "timeout", "cancelled", "rejected"].map {
                    ($0, metrics.providerRequests.labels(name, model, $0))
                }
            )
            inputTokens = TokenSeries(metrics: metrics, name: name, model: model, type: "input")
            outputTokens = TokenSeries(metrics: metrics, name: name, model: model, type: "output")
            successDuration = metrics.genAIOperationDuration.labels("chat", system, model, model, "")
            inputUsage = metrics.genAITokenUsage.labels("chat", system, model, model, "input")
            outputUsage = metrics.genAITokenUsage.labels("chat", system, model, model, "output")
            timeToFirstToken = metrics.providerTimeToFirstToken.labels(name, model)
            spanName = "chat \(model)"
        }

        /// The `reported` and `estimated` series of one token type.
        struct TokenSeries: Sendable {
            let reported: CounterSeries
            let estimated: CounterSeries

            init(metrics: PoolMetrics, name: String, model: String, type: String) {
                reported = metrics.tokens.labels(name, model, type, "reported")
                estimated = metrics.tokens.labels(name, model, type, "estimated")
            }

            func add(_ tokens: Int, estimated isEstimated: Bool) {
                (isEstimated ? estimated : reported).increment(by: Double(tokens))
            }

            func seed() {
                reported.increment(by: 0)
                estimated.increment(by: 0)
            }
        }

        func latency(task: String) -> HistogramSeries {
            if let series = latencyByTask.withLock({ $0[task] }) { return series }
            let series = latency.labels(name, model, task)
            latencyByTask.withLock { $0[task] = series }
            return series
        }
    }

    /// Wraps `base`.
    public init(_ base: any Provider, telemetry: PoolTelemetry) {
        self.base = base
        self.telemetry = telemetry
        inflight = telemetry.metrics.providerInflight.labels(base.name)
        inflight.increment(by: 0)
        series = Series(metrics: telemetry.metrics, name: base.name, model: base.model, system: base.system)
        // Present from the start, so dashboards and rules find every provider's series.
        for counter in series.outcomes.values { counter.increment(by: 0) }
        series.inputTokens.seed()
        series.outputTokens.seed()
    }

    public var name: String { base.name }
    public var model: String { base.model }
    public var system: String { base.system }
    public var serverAddress: String { base.serverAddress }
    public var supportedTasks: Set<String> { base.supportedTasks }

    public func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        let call = begin(request)
        do {
            let response = try await ServiceContext.withValue(call.span.context) {
                try await base.complete(call.request)
            }
            finish(call, response: response, error: nil)
            return response
        } catch {
            finish(call, response: nil, error: error)
            throw error
        }
    }

    /// Streams the text of ``streamPieces(_:onPiece:)``.
    public func stream(
        _ request: ProviderRequest,
        onDelta: @escaping @Sendable (String) async throws -> Void
    ) async throws -> ProviderResponse {
        try await streamPieces(request) { piece in
            if !piece.text.isEmpty { try await onDelta(piece.text) }
        }
    }

    /// Streams through the base provider in the calling task, observing the time to first token
    /// when the first piece arrives. A call cut short by its consumer (`onPiece` threw) counts as
    /// `cancelled`: the client went away, the provider did not fail.
    public func streamPieces(
        _ request: ProviderRequest,
        onPiece: @escaping @Sendable (AnswerDelta) async throws -> Void
    ) async throws -> ProviderResponse {
        let call = begin(request)
        do {
            let response = try await ServiceContext.withValue(call.span.context) {
                try await base.streamPieces(call.request) { [series] piece in
                    if call.firstToken.exchange(false, ordering: .relaxed) {
                        let ttft = call.started.duration(to: .now).seconds
                        series.timeToFirstToken.observe(ttft, exemplar: call.exemplar(ttft))
                        call.span.addEvent("first token")
                    }
                    do {
                        try await onPiece(piece)
                    } catch {
                        call.consumerFailed.store(true, ordering: .relaxed)
                        throw error
                    }
                }
            }
            finish(call, response: response, error: nil)
            return response
        } catch {
            finish(
                call,
                response: nil,
                error: call.consumerFailed.load(ordering: .relaxed) ? CancellationError() : error
            )
            throw error
        }
    }

    public func check(_ request: ProviderRequest) throws {
        try base.check(request)
    }

    public func health() async -> ProviderHealth {
        await base.health()
    }

    // MARK: - Recording

    final class Call: Sendable {
        let span: RecordedSpan
        let request: ProviderRequest
        let started: ContinuousClock.Instant
        let finished = Atomic<Bool>(false)
        /// No piece of a stream has arrived yet.
        let firstToken = Atomic<Bool>(true)
        /// The consumer of a stream threw.
        let consumerFailed = Atomic<Bool>(false)

        init(span: RecordedSpan, request: ProviderRequest) {
            self.span = span
            self.request = request
            started = .now
        }

        func exemplar(_ value: Double) -> Exemplar? {
            guard span.spanContext.isSampled else { return nil }
            return Exemplar(
                traceIDHigh: span.traceID.high,
                traceIDLow: span.traceID.low,
                spanID: span.spanID.value,
                value: value
            )
        }
    }

    private func begin(_ request: ProviderRequest) -> Call {
        let span = telemetry.tracer.startSpan(
            series.spanName,
            context: ServiceContext.current ?? .topLevel,
            ofKind: .client
        )
        if span.isRecording {
            span.attributes["gen_ai.operation.name"] = "chat"
            span.attributes["gen_ai.system"] = system
            span.attributes["gen_ai.request.model"] = model
            span.attributes["gen_ai.request.max_tokens"] = request.maxTokens
            span.attributes["gen_ai.request.temperature"] = request.temperature
            span.attributes["server.address"] = serverAddress
            span.attributes["llm_pool.provider"] = name
            if !request.task.isEmpty { span.attributes["llm_pool.task"] = request.task }
        }
        var upstream = request
        telemetry.tracer.inject(span.context, into: &upstream.headers, using: HeaderDictionaryInjector())
        inflight.increment()
        return Call(span: span, request: upstream)
    }

    private func finish(_ call: Call, response: ProviderResponse?, error: (any Error)?) {
        guard !call.finished.exchange(true, ordering: .relaxed) else { return }
        inflight.decrement()
        let elapsed = call.started.duration(to: .now).seconds
        let metrics = telemetry.metrics
        let outcome = Self.outcome(of: error)
        (series.outcomes[outcome] ?? metrics.providerRequests.labels(name, model, outcome)).increment()
        // A request the provider rightly refused (an upstream 4xx) says nothing of the provider.
        let callerFault = (error as? PoolError)?.isCallerFault ?? false
        if let slo = telemetry.slo, outcome != "cancelled", !callerFault, !call.request.task.isEmpty {
            slo.recordProvider(task: call.request.task, provider: name, success: outcome == "success")
        }
        let responseModel = response.map { $0.model.isEmpty ? model : $0.model } ?? model
        if let response {
            let task = call.request.task.isEmpty ? "none" : call.request.task
            series.latency(task: task).observe(elapsed, exemplar: call.exemplar(elapsed))
            // Estimated usage is estimated as a whole: the backend's counts then went missing.
            series.inputTokens.add(response.usage.inputTokens, estimated: response.usage.estimated)
            series.outputTokens.add(response.usage.outputTokens, estimated: response.usage.estimated)
            if responseModel == model {
                series.successDuration.observe(elapsed)
                series.inputUsage.observe(Double(response.usage.inputTokens))
                series.outputUsage.observe(Double(response.usage.outputTokens))
            } else {
                metrics.genAIOperationDuration.labels("chat", system, model, responseModel, "").observe(elapsed)
                metrics.genAITokenUsage.labels("chat", system, model, responseModel, "input").observe(
                    Double(response.usage.inputTokens)
                )
                metrics.genAITokenUsage.labels("chat", system, model, responseModel, "output").observe(
                    Double(response.usage.outputTokens)
                )
            }
            if call.span.isRecording {
                call.span.attributes["gen_ai.response.model"] = responseModel
                call.span.attributes["gen_ai.usage.input_tokens"] = response.usage.inputTokens
                call.span.attributes["gen_ai.usage.output_tokens"] = response.usage.outputTokens
                if response.usage.estimated { call.span.attributes["llm_pool.usage.estimated"] = true }
                call.span.attributes["gen_ai.response.finish_reasons"] = [response.finishReason]
            }
        } else if let error {
            let poolError = PoolError.wrap(error, provider: name)
            metrics.genAIOperationDuration.labels("chat", system, model, model, poolError.code.description).observe(
                elapsed
            )
            call.span.attributes["error.type"] = poolError.code.description
            if outcome != "cancelled" {
                call.span.recordError(poolError)
                call.span.setStatus(.init(code: .error, message: poolError.message))
            }
        }
        call.span.end()
    }

    static func outcome(of error: (any Error)?) -> String {
        guard let error else { return "success" }
        if error is CancellationError { return "cancelled" }
        switch (error as? PoolError)?.code {
        case .cancelled?: return "cancelled"
        case .deadlineExceeded?: return "timeout"
        default: return "error"
        }
    }
}
