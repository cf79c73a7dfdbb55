import LLMPoolCore
import LLMPoolObservability
import Synchronization

/// A provider that answers at once but reports a scripted latency to
/// `llm_pool_provider_latency_seconds`, as an ``InstrumentedProvider`` over a backend that slow
/// would: routing sees "slow" without the test sleeping. It can be told to fail.
final class VirtualLatencyProvider: Provider {
    let name: String
    let model: String
    let system = "virtual"
    let serverAddress = "in-process"
    let supportedTasks: Set<String> = []
    private let latency: HistogramFamily
    private let state: Mutex<(latency: Duration, failing: Bool, calls: Int)>

    init(name: String, latency: Duration, metrics: PoolMetrics) {
        self.name = name
        self.model = "\(name)-model"
        self.latency = metrics.providerLatency
        self.state = Mutex((latency, false, 0))
    }

    /// Calls so far.
    var calls: Int { state.withLock { $0.calls } }

    /// Changes the reported latency of later calls.
    func setLatency(_ latency: Duration) { state.withLock { $0.latency = latency } }

    /// Makes later calls fail with `upstream_failed` (or succeed again).
    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        let (latency, failing) = state.withLock { state in
            state.calls += 1
            return (state.latency, state.failing)
        }
        if failing { throw PoolError(code: .upstreamFailed, message: "\(name) answered HTTP 500") }
        self.latency.labels(name, model, request.task).observe(latency.seconds)
        return ProviderResponse(text: "from \(name)", model: model, usage: .init(inputTokens: 1, outputTokens: 2))
    }

    func stream(
        _ request: ProviderRequest,
        onDelta: @escaping @Sendable (String) async throws -> Void
    ) async throws -> ProviderResponse {
        let response = try await complete(request)
        try await onDelta(response.text)
        return response
    }

    func health() async -> ProviderHealth { .init(healthy: true) }
}

/// Captures every ended span, for assertions on hedge spans and strategy events.
final class CapturedSpans: SpanProcessor {
    private let spans = Mutex<[FinishedSpan]>([])

    var all: [FinishedSpan] { spans.withLock { $0 } }

    func onEnd(_ span: FinishedSpan) {
        spans.withLock { $0.append(span) }
    }

    /// Telemetry with its own registry (on `now`) whose spans land here.
    func telemetry(now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) -> PoolTelemetry {
        // The default tracing configuration is valid by construction.
        let tracer = try! SpanRecorder(configuration: .defaults, processors: [self])
        return PoolTelemetry(metrics: PoolMetrics(registry: MetricsRegistry(now: now)), tracer: tracer)
    }
}

/// A pool configuration over named providers for one task `t`.
func poolConfiguration(
    _ names: [String],
    strategy: StrategyKind = .fastest,
    staticDelay: Duration = .milliseconds(50)
) throws -> PoolConfiguration {
    var config = PoolConfiguration()
    config.providers = names.map {
        ProviderConfiguration(name: $0, kind: .ollama, baseURL: "http://127.0.0.1:1", model: "\($0)-model")
    }
    config.tasks["t"] = TaskConfiguration(
        name: "t",
        strategy: strategy,
        providers: names,
        promptPath: "t.md",
        template: try PromptTemplate(source: "{{input}}"),
        maxTokens: 16,
        temperature: 0
    )
    config.qos.hedging.staticDelay = staticDelay
    config.qos.hedging.minDelay = .milliseconds(1)
    config.cache.enabled = false
    return config
}

func request(_ input: String = "hello", deadline: Duration = .seconds(2)) -> InferenceRequest {
    InferenceRequest(requestID: "r", task: "t", input: input, deadline: deadline)
}
