import LLMPoolObservability
import Tracing

extension InstrumentedProvider {
    /// Whether the base provider serves embeddings.
    public var servesEmbeddings: Bool { base.servesEmbeddings }

    /// Embeds through the base provider, measured as every call is: a client span named
    /// `embeddings <model>` (`traceparent` sent upstream), the provider's in-flight gauge,
    /// `llm_pool_provider_requests_total` by outcome, its latency under task `embeddings`, and
    /// its input tokens.
    public func embed(_ request: EmbeddingRequest, timeout: Duration) async throws -> EmbeddingResponse {
        let span = telemetry.tracer.startSpan(
            "embeddings \(model)",
            context: ServiceContext.current ?? .topLevel,
            ofKind: .client
        )
        if span.isRecording {
            span.attributes["gen_ai.operation.name"] = "embeddings"
            span.attributes["gen_ai.system"] = system
            span.attributes["gen_ai.request.model"] = model
            span.attributes["server.address"] = serverAddress
            span.attributes["llm_pool.provider"] = name
        }
        var upstream = request
        telemetry.tracer.inject(span.context, into: &upstream.headers, using: HeaderDictionaryInjector())
        inflight.increment()
        let started = ContinuousClock.now
        defer {
            inflight.decrement()
            span.end()
        }
        do {
            let response = try await ServiceContext.withValue(span.context) {
                try await base.embed(upstream, timeout: timeout)
            }
            let elapsed = started.duration(to: .now).seconds
            series.outcomes["success"]?.increment()
            var exemplar: Exemplar?
            if span.spanContext.isSampled {
                exemplar = Exemplar(
                    traceIDHigh: span.traceID.high,
                    traceIDLow: span.traceID.low,
                    spanID: span.spanID.value,
                    value: elapsed
                )
            }
            series.latency(task: "embeddings").observe(elapsed, exemplar: exemplar)
            series.inputTokens.add(response.usage.inputTokens, estimated: response.usage.estimated)
            if span.isRecording {
                span.attributes["gen_ai.response.model"] = response.model
                span.attributes["gen_ai.usage.input_tokens"] = response.usage.inputTokens
            }
            return response
        } catch {
            let outcome = Self.outcome(of: error)
            series.outcomes[outcome]?.increment()
            if outcome != "cancelled" {
                let poolError = PoolError.wrap(error, provider: name)
                span.attributes["error.type"] = poolError.code.description
                span.recordError(poolError)
                span.setStatus(.init(code: .error, message: poolError.message))
            }
            throw error
        }
    }
}
