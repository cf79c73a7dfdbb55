import LLMPoolObservability

/// The whole configuration of llm-pool, decoded from `llm-pool.toml` by ``ConfigurationLoader``.
///
/// Every property has a default, so a minimal file names only providers and tasks.
public struct PoolConfiguration: Sendable, Hashable {
    /// `[server]`: listening ports and limits.
    public var server: ServerConfiguration
    /// `[[providers]]`: the backends, in file order.
    public var providers: [ProviderConfiguration]
    /// `[tasks.NAME]`: the tasks, keyed by name.
    public var tasks: [String: TaskConfiguration]
    /// `[qos]`: deadlines, limits, hedging and circuit breaking.
    public var qos: QoSConfiguration
    /// `[cache]`: the answer cache.
    public var cache: CacheConfiguration
    /// `[logging]`: log level and format.
    public var logging: LoggingConfiguration
    /// `[security]`: authentication of callers. Default off.
    public var security: SecurityConfiguration = .defaults
    /// `[rate_limits]`: per-tenant request and token limits. Default off.
    public var rateLimits: RateLimitConfiguration = .defaults
    /// `[telemetry]`: request measurement. Default on.
    public var telemetry: TelemetryConfiguration = .defaults
    /// `[tracing]`: span sampling and OTLP/HTTP export (the `OTEL_*` variables apply on top). Default: no export.
    public var tracing: TracingConfiguration = .defaults
    /// `[slo.TASK]`: service level objectives, one per task. Default none.
    public var slos: [ServiceLevelObjective] = []
    /// `[redis]`: the Redis server replicas share (cache, rate limits, nonces). Default none.
    public var redis: RedisConfiguration?
    /// `[health]`: passive health and idle-provider probes.
    public var health: HealthConfiguration = .defaults
    /// `[console]`: the live console and its admin JSON. Default on.
    public var console: ConsoleConfiguration = .defaults

    /// Creates a configuration.
    public init(
        server: ServerConfiguration = .defaults,
        providers: [ProviderConfiguration] = [],
        tasks: [String: TaskConfiguration] = [:],
        qos: QoSConfiguration = .defaults,
        cache: CacheConfiguration = .defaults,
        logging: LoggingConfiguration = .defaults
    ) {
        self.server = server
        self.providers = providers
        self.tasks = tasks
        self.qos = qos
        self.cache = cache
        self.logging = logging
    }

    /// Looks up a provider by name.
    public func provider(named name: String) -> ProviderConfiguration? {
        providers.first { $0.name == name }
    }
}

/// `[server]`: where llm-pool listens.
public struct ServerConfiguration: Sendable, Hashable {
    /// Address to bind. Default `0.0.0.0`. TOML `server.host`.
    public var host: String
    /// HTTP port. Default 7071. TOML `server.http_port`.
    public var httpPort: Int
    /// gRPC port. Default 7070. TOML `server.grpc_port`.
    public var grpcPort: Int
    /// Largest request body accepted, in bytes. Default 1 MiB. TOML `server.max_body_bytes`.
    public var maxBodyBytes: Int
    /// Time allowed for in-flight requests to finish on shutdown. Default 10 s. TOML `server.drain_timeout_ms`.
    public var drainTimeout: Duration
    /// How long an HTTP connection may sit idle (no request, or a request whose head has not
    /// arrived) before it is closed. Default 60 s. TOML `server.idle_timeout_ms`.
    public var idleTimeout: Duration = .seconds(60)
    /// How long a request may take to arrive whole once its head has (its body read). Default
    /// 30 s. TOML `server.read_timeout_ms`.
    public var readTimeout: Duration = .seconds(30)

    /// The defaults.
    public static var defaults: ServerConfiguration {
        .init(host: "0.0.0.0", httpPort: 7071, grpcPort: 7070, maxBodyBytes: 1 << 20, drainTimeout: .seconds(10))
    }
}

/// `[[providers]]`: one backend serving one model.
public struct ProviderConfiguration: Sendable, Hashable {
    /// The backend protocol.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Ollama's native API (`/api/chat`, `/api/generate`, `/api/tags`).
        case ollama
        /// An OpenAI-compatible API (`/v1/chat/completions`, `/v1/models`): vLLM, llama.cpp, LM Studio, OpenAI.
        case openai
    }

    /// Unique name, used in task routing, metrics and logs. TOML `name`.
    public var name: String
    /// Backend protocol. TOML `kind`: `ollama` or `openai`.
    public var kind: Kind
    /// Base URL of the backend, such as `http://127.0.0.1:11434`. TOML `base_url`.
    public var baseURL: String
    /// Model name as the backend knows it. TOML `model`.
    public var model: String
    /// A human description (`Phi-3 Mini 4B`). TOML `description`.
    public var description: String
    /// Upper bound for one plain call, even when the request's deadline is longer; for a streamed
    /// call (a stream, or any call with ``upstreamStreaming``) the time to its first token. Default
    /// 30 s. TOML `timeout_ms`.
    public var timeout: Duration
    /// Longest silence of a streamed call after its first token: a stream that stalls is cut
    /// then, while one that keeps producing runs until the request's deadline. Default 10 s.
    /// TOML `idle_timeout_ms`.
    public var idleTimeout: Duration = .seconds(10)
    /// Whether every call streams from the backend, plain ones assembled before they are
    /// answered, so that a call cancelled midway (a losing hedge, a passed deadline, a client
    /// gone) stops the backend's generation: llama.cpp and vLLM stop a streamed generation when
    /// the connection closes, but finish a plain one for nobody. Default true for kind `openai`,
    /// false for `ollama` (which stops either way). TOML `upstream_streaming`.
    public var upstreamStreaming: Bool
    /// Static routing weight, > 0. Default 1. TOML `weight`.
    public var weight: Double
    /// Name of the environment variable holding the API key (OpenAI kind). TOML `api_key_env`.
    public var apiKeyEnv: String?
    /// For Ollama, whether to use `/api/chat` (default) or `/api/generate`. TOML `endpoint`: `chat` or `generate`.
    public var ollamaEndpoint: OllamaEndpoint
    /// Tasks this provider may serve; empty means all. TOML `tasks`.
    public var tasks: [String]
    /// Time between probes of this provider when idle; `nil` uses `health.interval_ms`.
    /// TOML `health_interval_ms`.
    public var healthInterval: Duration?
    /// How long a probe of this provider may take; `nil` uses `health.timeout_ms`.
    /// TOML `health_timeout_ms`.
    public var healthTimeout: Duration?
    /// Whether a 1-token request is sent at start-up so the backend loads the model before the
    /// first user request (Ollama takes 20–30 s to load a model). Default false. TOML `warmup`.
    public var warmup = false
    /// For Ollama, how long the model stays loaded after a request, sent as `keep_alive` (a
    /// duration such as `5m` or `1h`, `0` to unload at once, a negative one to keep it loaded);
    /// `nil` leaves Ollama's default (5 minutes). TOML `keep_alive`.
    public var keepAlive: String?
    /// Whether the provider serves embeddings (`/api/embed` for Ollama, `/v1/embeddings` for
    /// OpenAI-compatible servers): it then answers `POST /v1/embeddings` for its name or model,
    /// and is listed by `/v1/models`. Default false. TOML `embeddings`.
    public var embeddings = false

    /// Which Ollama endpoint to call.
    public enum OllamaEndpoint: String, Sendable, Hashable, CaseIterable {
        /// `/api/chat` with messages.
        case chat
        /// `/api/generate` with a flattened prompt.
        case generate
    }

    /// Creates a provider configuration.
    public init(
        name: String,
        kind: Kind,
        baseURL: String,
        model: String,
        description: String = "",
        timeout: Duration = .seconds(30),
        weight: Double = 1,
        apiKeyEnv: String? = nil,
        ollamaEndpoint: OllamaEndpoint = .chat,
        tasks: [String] = [],
        upstreamStreaming: Bool? = nil
    ) {
        self.name = name
        self.kind = kind
        self.upstreamStreaming = upstreamStreaming ?? Self.streamsUpstreamByDefault(kind)
        self.baseURL = baseURL
        self.model = model
        self.description = description
        self.timeout = timeout
        self.weight = weight
        self.apiKeyEnv = apiKeyEnv
        self.ollamaEndpoint = ollamaEndpoint
        self.tasks = tasks
    }
}

extension ProviderConfiguration {
    /// The default of ``upstreamStreaming`` for a kind: on for `openai`, off for `ollama`.
    public static func streamsUpstreamByDefault(_ kind: Kind) -> Bool { kind == .openai }
}

/// `[tasks.NAME]`: what a task does and who serves it.
public struct TaskConfiguration: Sendable, Hashable {
    /// The task's name (the TOML table key).
    public var name: String
    /// Strategy used when the request does not choose one. Default FASTEST. TOML `strategy`.
    public var strategy: StrategyKind
    /// Providers serving the task, in preference order. TOML `providers`.
    public var providers: [String]
    /// Path of the prompt template, relative to the config file. TOML `prompt`.
    public var promptPath: String
    /// The loaded template (filled by ``ConfigurationLoader``).
    public var template: PromptTemplate
    /// Default and cap for generated tokens. Default 512. TOML `max_tokens`.
    public var maxTokens: Int
    /// Default temperature. Default 0.2. TOML `temperature`.
    public var temperature: Double
    /// Variables the template may use besides `input` and `task`, with their default values,
    /// overridden by request metadata of the same name. TOML `[tasks.NAME.variables]`.
    public var variables: [String: String]
    /// Whether answers are JSON: they are asked for as JSON (`response_format: {"type":
    /// "json_object"}` for OpenAI-compatible providers, `format: "json"` for Ollama) and compared
    /// as canonical JSON. Default false. TOML `json_output`.
    public var jsonOutput: Bool
    /// The JSON schema answers must follow, asked for as `response_format: {"type": "json_schema",
    /// …}` (Ollama: `format: <schema>`); implies ``jsonOutput``. Default none. TOML `json_schema`:
    /// the schema inline (text starting with `{`) or the path of a JSON file, relative to the
    /// configuration file.
    public var jsonSchema: JSONValue?
    /// The file ``jsonSchema`` was read from, as the configuration names it; `nil` when inline or
    /// none. A running pool reloads when it changes, as for prompts.
    public var jsonSchemaPath: String?
    /// Whether answers may be cached. Default true (only deterministic requests are). TOML `cacheable`.
    public var cacheable: Bool
    /// The system message sent before the rendered prompt. TOML `system`.
    public var systemPrompt: String?
    /// Providers (larger context windows) asked, in order, when the task's own providers answer
    /// that the request does not fit their context (`context_length_exceeded`). Default none.
    /// TOML `context_window_fallback`.
    public var contextWindowFallback: [String] = []

    /// Creates a task configuration.
    public init(
        name: String,
        strategy: StrategyKind = .fastest,
        providers: [String],
        promptPath: String = "",
        template: PromptTemplate,
        maxTokens: Int = 512,
        temperature: Double = 0.2,
        variables: [String: String] = [:],
        jsonOutput: Bool = false,
        cacheable: Bool = true,
        systemPrompt: String? = nil,
        jsonSchema: JSONValue? = nil
    ) {
        self.jsonSchema = jsonSchema
        self.name = name
        self.strategy = strategy
        self.providers = providers
        self.promptPath = promptPath
        self.template = template
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.variables = variables
        self.jsonOutput = jsonOutput
        self.cacheable = cacheable
        self.systemPrompt = systemPrompt
    }
}

extension TaskConfiguration {
    /// The `response_format` the task asks its providers for, in the OpenAI shape: its
    /// ``jsonSchema``, else `json_object` when ``jsonOutput``, else none.
    public var responseFormat: JSONValue? {
        if let jsonSchema {
            // OpenAI requires the schema's name to match ^[a-zA-Z0-9_-]{1,64}$.
            let allowed = name.unicodeScalars.map { scalar -> Character in
                let letterOrDigit = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
                return letterOrDigit || scalar == "-" ? Character(scalar) : "_"
            }
            return [
                "type": "json_schema",
                "json_schema": ["name": .string(String(allowed.prefix(64))), "schema": jsonSchema],
            ]
        }
        return jsonOutput ? ["type": "json_object"] : nil
    }
}

/// `[qos]`: limits and resilience.
public struct QoSConfiguration: Sendable, Hashable {
    /// Deadline when a request sets none. Default 5 s. TOML `qos.default_deadline_ms`.
    public var defaultDeadline: Duration
    /// Longest deadline a request may ask for. Default 60 s. TOML `qos.max_deadline_ms`.
    public var maxDeadline: Duration
    /// Largest input accepted, in UTF-8 bytes. Default 32 KiB. TOML `qos.max_prompt_bytes`.
    public var maxPromptBytes: Int
    /// Largest `max_tokens` a request may ask for. Default 4096. TOML `qos.max_tokens`.
    public var maxTokens: Int
    /// `[qos.hedging]`.
    public var hedging: HedgingConfiguration
    /// `[qos.circuit_breaker]`.
    public var circuitBreaker: CircuitBreakerConfiguration
    /// `[qos.retry]`: see ``RetryConfiguration``.
    public var retry: RetryConfiguration = .defaults
    /// `[qos.weighted]`: see ``WeightedConfiguration``.
    public var weighted: WeightedConfiguration = .defaults
    /// `[qos.consensus]`: see ``ConsensusConfiguration``.
    public var consensus: ConsensusConfiguration = .defaults

    /// The defaults.
    public static var defaults: QoSConfiguration {
        .init(
            defaultDeadline: .seconds(5),
            maxDeadline: .seconds(60),
            maxPromptBytes: 32 * 1024,
            maxTokens: 4096,
            hedging: .defaults,
            circuitBreaker: .defaults
        )
    }
}

/// `[qos.hedging]`: hedged requests for FASTEST.
public struct HedgingConfiguration: Sendable, Hashable {
    /// Whether FASTEST hedges (sends to the next provider after a delay) rather than racing all at once. Default true. TOML `enabled`.
    public var enabled: Bool
    /// Latency quantile of the first provider used as the hedge delay. Default 0.95. TOML `quantile`.
    public var quantile: Double
    /// Delay used until enough samples exist. Default 300 ms. TOML `static_delay_ms`.
    public var staticDelay: Duration
    /// Lower bound of the delay. Default 20 ms. TOML `min_delay_ms`.
    public var minDelay: Duration
    /// Upper bound of the delay. Default 2 s. TOML `max_delay_ms`.
    public var maxDelay: Duration
    /// Most hedges per request. Default 1. TOML `max_hedges`.
    public var maxHedges: Int
    /// Largest fraction of requests that may hedge. Default 0.1. TOML `budget_ratio`.
    public var budgetRatio: Double

    /// The defaults.
    public static var defaults: HedgingConfiguration {
        .init(
            enabled: true,
            quantile: 0.95,
            staticDelay: .milliseconds(300),
            minDelay: .milliseconds(20),
            maxDelay: .seconds(2),
            maxHedges: 1,
            budgetRatio: 0.1
        )
    }
}

/// `[qos.circuit_breaker]`: per-provider breakers.
public struct CircuitBreakerConfiguration: Sendable, Hashable {
    /// Whether breakers are used. Default true. TOML `enabled`.
    public var enabled: Bool
    /// Consecutive failures that open the breaker. Default 5. TOML `consecutive_failures`.
    public var consecutiveFailures: Int
    /// Failure ratio over the window that opens the breaker. Default 0.5. TOML `failure_rate`.
    public var failureRate: Double
    /// Fewest calls in the window before the ratio counts. Default 10. TOML `minimum_calls`.
    public var minimumCalls: Int
    /// Rolling window for the failure ratio. Default 30 s. TOML `window_ms`.
    public var window: Duration
    /// Time the breaker stays open. Default 10 s. TOML `cooldown_ms`.
    public var cooldown: Duration
    /// Probes let through while half-open. Default 1. TOML `half_open_probes`.
    public var halfOpenProbes: Int

    /// The defaults.
    public static var defaults: CircuitBreakerConfiguration {
        .init(
            enabled: true,
            consecutiveFailures: 5,
            failureRate: 0.5,
            minimumCalls: 10,
            window: .seconds(30),
            cooldown: .seconds(10),
            halfOpenProbes: 1
        )
    }
}

/// `[cache]`: the answer cache.
public struct CacheConfiguration: Sendable, Hashable {
    /// Whether answers are cached. Default true. TOML `cache.enabled`.
    public var enabled: Bool
    /// Time an answer stays fresh. Default 300 s. TOML `cache.ttl_seconds`.
    public var ttl: Duration
    /// Most entries kept. Default 10,000. TOML `cache.capacity`.
    public var capacity: Int
    /// Most bytes of answer text kept. Default 64 MiB. TOML `cache.max_bytes`.
    public var maxBytes: Int
    /// Where answers are kept: `memory` (this replica) or `redis` (shared by replicas, needs
    /// `[redis]`). Default `memory`. TOML `cache.backend`.
    public var backend: Backend = .memory

    /// A cache backend.
    public enum Backend: String, Sendable, Hashable, CaseIterable {
        /// In this process: LRU by entries and bytes, with a TTL.
        case memory
        /// In Redis, shared by every replica.
        case redis
    }

    /// The backend's name, the `backend` label of the cache metrics.
    public var backendName: String { backend.rawValue }

    /// The defaults.
    public static var defaults: CacheConfiguration {
        .init(enabled: true, ttl: .seconds(300), capacity: 10_000, maxBytes: 64 << 20)
    }
}

/// `[logging]`: how llm-pool logs.
public struct LoggingConfiguration: Sendable, Hashable {
    /// `trace` … `critical`. Default `info`. TOML `logging.level`.
    public var level: String
    /// `json` or `text`. Default `json`. TOML `logging.format`.
    public var format: String

    /// The defaults.
    public static var defaults: LoggingConfiguration { .init(level: "info", format: "json") }
}

/// `[qos.consensus]`: when CONSENSUS answers agree.
public struct ConsensusConfiguration: Sendable, Hashable {
    /// Jaccard similarity of normalised tokens at which two answers agree. Default 0.8. TOML `threshold`.
    public var threshold: Double
    /// Answers that must agree. Default 2. TOML `quorum`.
    public var quorum: Int
    /// Without agreement: `false` fails with `no_consensus`, `true` answers with the best-supported
    /// candidate and records the fallback. Default false. TOML `fallback`: `error` or `best`.
    public var fallbackToBest: Bool

    /// Creates the settings.
    public init(threshold: Double, quorum: Int, fallbackToBest: Bool) {
        self.threshold = threshold
        self.quorum = quorum
        self.fallbackToBest = fallbackToBest
    }

    /// The defaults.
    public static var defaults: ConsensusConfiguration { .init(threshold: 0.8, quorum: 2, fallbackToBest: false) }
}
