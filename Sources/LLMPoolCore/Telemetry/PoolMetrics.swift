import LLMPoolObservability

/// The catalogue of llm-pool's own metrics, registered on one ``MetricsRegistry``.
///
/// Every family is created here, so names, help texts, units and label names live in one place
/// (dashboards and alert rules in `dashboards/` and `deploy/prometheus/` name exactly these).
/// Label values are bounded by configuration (tasks, providers, strategies) or by code (outcomes);
/// tenant ids never become labels.
public struct PoolMetrics: Sendable {
    /// The registry the families live in.
    public let registry: MetricsRegistry

    /// `llm_pool_requests_total{api,task,strategy,code}`: requests answered, by API
    /// (`http`, `openai`, `grpc`), task, strategy and result code (`ok` or a ``PoolError/Code``).
    public let requests: CounterFamily
    /// `llm_pool_request_duration_seconds{api,task,strategy}`: time from arrival to answer.
    public let requestDuration: HistogramFamily
    /// `llm_pool_inflight_requests{api}`: requests being served.
    public let inflightRequests: GaugeFamily
    /// `llm_pool_provider_requests_total{provider,model,outcome}`: calls to providers by outcome
    /// (`success`, `error`, `timeout`, `cancelled`, `rejected`).
    public let providerRequests: CounterFamily
    /// `llm_pool_provider_latency_seconds{provider,model,task}`: duration of successful provider calls.
    public let providerLatency: HistogramFamily
    /// `llm_pool_provider_time_to_first_token_seconds{provider,model}`: streaming time to first token.
    public let providerTimeToFirstToken: HistogramFamily
    /// `llm_pool_provider_inflight{provider}`: calls in progress per provider.
    public let providerInflight: GaugeFamily
    /// `llm_pool_tokens_total{provider,model,type,source}`: tokens by `type` (`input`, `output`)
    /// and `source`: `reported` by the backend, or `estimated` by llm-pool when the backend left
    /// them out (``UsageEstimator``).
    public let tokens: CounterFamily
    /// `llm_pool_hedges_total{task,outcome}`: hedges by outcome (`fired`, `won`, `lost`, `budget_denied`).
    public let hedges: CounterFamily
    /// `llm_pool_strategy_decisions_total{strategy,outcome}`: strategy results (`ok`, `failed`,
    /// `no_consensus`, `fallback`, `judge_fallback`, `early_stop`).
    public let strategyDecisions: CounterFamily
    /// `llm_pool_retries_total{task,outcome}`: retries to the next provider (`attempted`, `budget_denied`).
    public let retries: CounterFamily
    /// `llm_pool_circuit_breaker_state{provider}`: 0 closed, 1 half-open, 2 open.
    public let circuitBreakerState: GaugeFamily
    /// `llm_pool_circuit_breaker_transitions_total{provider,to}`: breaker transitions by target state.
    public let circuitBreakerTransitions: CounterFamily
    /// `llm_pool_cache_requests_total{backend,result}`: cache lookups (`hit`, `miss`, `error`) and
    /// coalesced waiters (`coalesced`), by backend (`memory`, `redis`).
    public let cacheRequests: CounterFamily
    /// `llm_pool_cache_entries{backend}`: entries held by the in-memory cache.
    public let cacheEntries: GaugeFamily
    /// `llm_pool_config_reloads_total{result}`: configuration reloads (`success`, `failure`).
    public let configReloads: CounterFamily
    /// `llm_pool_http_connections_closed_total{reason}`: HTTP connections the pool closed or saw
    /// close early: `idle` (`server.idle_timeout_ms`), `read_timeout` (a request not whole within
    /// `server.read_timeout_ms`), `client_gone` (the client left while its request ran).
    public let httpConnectionsClosed: CounterFamily
    /// `llm_pool_slo_burn_rate{slo,window}`: error-budget burn rate per SLO and window (`5m`, `30m`, `1h`, `6h`).
    public let sloBurnRate: GaugeFamily
    /// `llm_pool_slo_error_budget_remaining{slo}`: fraction of the error budget left over the longest window.
    public let sloErrorBudgetRemaining: GaugeFamily
    /// `llm_pool_provider_score{provider,task}`: the WEIGHTED routing score.
    public let providerScore: GaugeFamily
    /// `llm_pool_provider_up{provider}`: 1 when the last health probe succeeded.
    public let providerUp: GaugeFamily
    /// `llm_pool_rate_limited_total{api,dimension}`: requests rejected by tenant rate limits
    /// (`requests`, `tokens`).
    public let rateLimited: CounterFamily
    /// `llm_pool_auth_failures_total{api,reason}`: rejected credentials by reason.
    public let authFailures: CounterFamily
    /// `llm_pool_spans_exported_total{result}`: spans handed to the exporter (`success`, `failure`).
    public let spansExported: CounterFamily
    /// `llm_pool_spans_dropped_total`: spans dropped because the export queue was full.
    public let spansDropped: CounterFamily
    /// `llm_pool_build_info{version}`: always 1; carries the version.
    public let buildInfo: GaugeFamily
    /// `gen_ai_client_operation_duration_seconds{gen_ai_operation_name,gen_ai_system,gen_ai_request_model,gen_ai_response_model,error_type}`:
    /// the OpenTelemetry GenAI client duration metric.
    public let genAIOperationDuration: HistogramFamily
    /// `gen_ai_client_token_usage{gen_ai_operation_name,gen_ai_system,gen_ai_request_model,gen_ai_response_model,gen_ai_token_type}`:
    /// the OpenTelemetry GenAI token usage metric (a histogram of tokens per call).
    public let genAITokenUsage: HistogramFamily

    /// Token-count buckets of `gen_ai_client_token_usage`, as the GenAI semantic conventions advise.
    public static let tokenBuckets: [Double] = [
        1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
    ]

    /// Registers (or finds) every family on `registry`.
    public init(registry: MetricsRegistry, version: String = LLMPoolVersion.current) {
        self.registry = registry
        let latency = MetricsRegistry.llmLatencyBuckets
        requests = registry.counter(
            name: "llm_pool_requests_total",
            help: "Requests answered, by API, task, strategy and result code.",
            labelNames: ["api", "task", "strategy", "code"]
        )
        requestDuration = registry.histogram(
            name: "llm_pool_request_duration_seconds",
            help: "Time from a request's arrival to its answer.",
            unit: "seconds",
            labelNames: ["api", "task", "strategy"],
            buckets: latency
        )
        inflightRequests = registry.gauge(
            name: "llm_pool_inflight_requests",
            help: "Requests being served.",
            labelNames: ["api"]
        )
        providerRequests = registry.counter(
            name: "llm_pool_provider_requests_total",
            help: "Calls to providers, by outcome.",
            labelNames: ["provider", "model", "outcome"]
        )
        providerLatency = registry.histogram(
            name: "llm_pool_provider_latency_seconds",
            help: "Duration of successful provider calls.",
            unit: "seconds",
            labelNames: ["provider", "model", "task"],
            buckets: latency
        )
        providerTimeToFirstToken = registry.histogram(
            name: "llm_pool_provider_time_to_first_token_seconds",
            help: "Time from a streaming provider call to its first token.",
            unit: "seconds",
            labelNames: ["provider", "model"],
            buckets: latency
        )
        providerInflight = registry.gauge(
            name: "llm_pool_provider_inflight",
            help: "Provider calls in progress.",
            labelNames: ["provider"]
        )
        tokens = registry.counter(
            name: "llm_pool_tokens_total",
            help: "Tokens consumed and produced, by provider, model, type and source (reported or estimated).",
            labelNames: ["provider", "model", "type", "source"]
        )
        hedges = registry.counter(
            name: "llm_pool_hedges_total",
            help: "Hedged requests by outcome: fired, won, lost, budget_denied.",
            labelNames: ["task", "outcome"]
        )
        strategyDecisions = registry.counter(
            name: "llm_pool_strategy_decisions_total",
            help: "Ensemble strategy results by outcome.",
            labelNames: ["strategy", "outcome"]
        )
        retries = registry.counter(
            name: "llm_pool_retries_total",
            help: "Retries to the next provider, by outcome.",
            labelNames: ["task", "outcome"]
        )
        circuitBreakerState = registry.gauge(
            name: "llm_pool_circuit_breaker_state",
            help: "Circuit breaker state per provider: 0 closed, 1 half-open, 2 open.",
            labelNames: ["provider"]
        )
        circuitBreakerTransitions = registry.counter(
            name: "llm_pool_circuit_breaker_transitions_total",
            help: "Circuit breaker transitions, by the state entered.",
            labelNames: ["provider", "to"]
        )
        cacheRequests = registry.counter(
            name: "llm_pool_cache_requests_total",
            help: "Cache lookups by backend and result: hit, miss, error, coalesced.",
            labelNames: ["backend", "result"]
        )
        cacheEntries = registry.gauge(
            name: "llm_pool_cache_entries",
            help: "Entries held by the cache.",
            labelNames: ["backend"]
        )
        configReloads = registry.counter(
            name: "llm_pool_config_reloads_total",
            help: "Configuration reloads by result.",
            labelNames: ["result"]
        )
        httpConnectionsClosed = registry.counter(
            name: "llm_pool_http_connections_closed_total",
            help:
                "HTTP connections closed by the pool (idle, read_timeout) or left by the client mid-request (client_gone).",
            labelNames: ["reason"]
        )
        for reason in ["idle", "read_timeout", "client_gone"] { httpConnectionsClosed.labels(reason).increment(by: 0) }
        sloBurnRate = registry.gauge(
            name: "llm_pool_slo_burn_rate",
            help: "Error-budget burn rate per SLO and window (1 spends the budget exactly over the SLO period).",
            labelNames: ["slo", "window"]
        )
        sloErrorBudgetRemaining = registry.gauge(
            name: "llm_pool_slo_error_budget_remaining",
            help: "Fraction of the error budget left over the longest window.",
            labelNames: ["slo"]
        )
        providerScore = registry.gauge(
            name: "llm_pool_provider_score",
            help: "WEIGHTED routing score per provider and task (higher is preferred).",
            labelNames: ["provider", "task"]
        )
        providerUp = registry.gauge(
            name: "llm_pool_provider_up",
            help: "1 when the provider's last health probe succeeded, else 0.",
            labelNames: ["provider"]
        )
        rateLimited = registry.counter(
            name: "llm_pool_rate_limited_total",
            help: "Requests rejected by tenant rate limits, by dimension.",
            labelNames: ["api", "dimension"]
        )
        authFailures = registry.counter(
            name: "llm_pool_auth_failures_total",
            help: "Requests rejected by authentication, by reason.",
            labelNames: ["api", "reason"]
        )
        spansExported = registry.counter(
            name: "llm_pool_spans_exported_total",
            help: "Spans handed to the OTLP exporter, by result.",
            labelNames: ["result"]
        )
        spansDropped = registry.counter(
            name: "llm_pool_spans_dropped_total",
            help: "Spans dropped because the export queue was full."
        )
        buildInfo = registry.gauge(
            name: "llm_pool_build_info",
            help: "Always 1; labelled with the running version.",
            labelNames: ["version"]
        )
        let genAILabels = ["gen_ai_operation_name", "gen_ai_system", "gen_ai_request_model", "gen_ai_response_model"]
        genAIOperationDuration = registry.histogram(
            name: "gen_ai_client_operation_duration_seconds",
            help: "GenAI operation duration (OpenTelemetry gen_ai.client.operation.duration).",
            unit: "seconds",
            labelNames: genAILabels + ["error_type"],
            buckets: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
        )
        genAITokenUsage = registry.histogram(
            name: "gen_ai_client_token_usage",
            help: "Tokens used per GenAI operation (OpenTelemetry gen_ai.client.token.usage).",
            labelNames: genAILabels + ["gen_ai_token_type"],
            buckets: Self.tokenBuckets
        )
        buildInfo.labels(version).set(1)
        spansDropped.labels().increment(by: 0)
    }
}

/// The version of llm-pool, reported by `llm_pool_build_info`, `--version` and OTLP resources.
public enum LLMPoolVersion {
    /// The running version.
    public static let current = "0.4.0"
}
