/// The console's data: what `GET /v1/admin/state` answers and `/v1/admin/events` pushes, as
/// JSON with snake_case keys (README "Console"). Version 1; members are only ever added.
///
/// Durations are milliseconds (`_ms`), rates per second; a quantile with no observation in the
/// window is absent. Every list is ordered (providers as configured, tasks by name).
public struct ConsoleState: Codable, Sendable, Hashable {
    /// The shape's version: 1.
    public var version: Int
    /// When the state was computed, ISO 8601.
    public var generatedAt: String
    /// Seconds since the pool started.
    public var uptimeSeconds: Double
    /// The pool as a whole.
    public var pool: Pool
    /// Every configured provider, in configuration order.
    public var providers: [Provider]
    /// Upper bounds of the latency buckets (ms) of ``Provider/latencyBuckets``; a last, unbounded
    /// bucket follows them.
    public var latencyBucketBoundsMs: [Double]
    /// The SLOs (`[slo.TASK]`), each indicator on its own.
    public var slos: [SLO]
    /// The configuration in force, one entry per TOML key, secrets redacted.
    public var configuration: [ConfigEntry]
    /// The last configuration reload; absent before the first.
    public var lastReload: Reload?
    /// The console's own settings.
    public var console: Settings

    /// Requests over the recent window (`telemetry.recent_window_ms`).
    public struct Pool: Codable, Sendable, Hashable {
        /// The recent window, in seconds.
        public var windowSeconds: Double
        /// Requests answered per second over the window.
        public var requestsPerSecond: Double
        /// Requests answered since start.
        public var requestsTotal: Double
        /// Of those, server errors (`unavailable`, `deadline_exceeded`, `upstream_failed`, `internal`).
        public var serverErrorsTotal: Double
        /// Server errors among the requests since the oldest sample of the last window (since
        /// start until the console has watched that long); absent before any request.
        public var errorRatio: Double?
        /// Requests being served.
        public var inFlight: Double
        /// Cache lookups.
        public var cache: Cache
        /// Per task and API.
        public var latency: [TaskLatency]
        /// Hedges per task since start (`llm_pool_hedges_total`).
        public var hedges: [TaskHedges]
    }

    /// Cache lookups since start.
    public struct Cache: Codable, Sendable, Hashable {
        /// Hits.
        public var hits: Double
        /// Misses.
        public var misses: Double
        /// hits / (hits + misses); absent before any lookup.
        public var hitRatio: Double?
    }

    /// One task through one API, over the recent window.
    public struct TaskLatency: Codable, Sendable, Hashable {
        /// The task (or `chat` for models named directly, `unknown`).
        public var task: String
        /// `http`, `openai` or `grpc`.
        public var api: String
        /// Requests per second.
        public var requestsPerSecond: Double
        /// Median latency.
        public var p50Ms: Double?
        /// 95th percentile.
        public var p95Ms: Double?
        /// 99th percentile.
        public var p99Ms: Double?
    }

    /// Hedges of one task since start.
    public struct TaskHedges: Codable, Sendable, Hashable {
        /// The task.
        public var task: String
        /// Hedged calls started.
        public var fired: Double
        /// Hedged calls that answered first.
        public var won: Double
        /// Hedges the budget refused.
        public var budgetDenied: Double
    }

    /// One provider.
    public struct Provider: Codable, Sendable, Hashable {
        /// Its configured name.
        public var name: String
        /// Its model.
        public var model: String
        /// Whether its last health probe succeeded.
        public var healthy: Bool
        /// The probe's detail (`ok`, `not probed yet`, an error).
        public var healthDetail: String
        /// Its circuit breaker.
        public var breaker: Breaker
        /// WEIGHTED score per task it serves (`llm_pool_provider_score`).
        public var scores: [TaskValue]
        /// The delay FASTEST waits for it before hedging, per FASTEST task it serves.
        public var hedgeDelayMs: [TaskValue]
        /// Calls in progress.
        public var inFlight: Double
        /// Median latency of successful calls over the recent window.
        public var p50Ms: Double?
        /// 95th percentile.
        public var p95Ms: Double?
        /// Median time to first token of streamed calls over the recent window.
        public var ttftP50Ms: Double?
        /// Output tokens per second of call time, since start; absent before a successful call.
        public var tokensPerSecond: Double?
        /// Hedges in the recent decisions: hedged calls sent to it, and those it won.
        public var hedges: ProviderHedges
        /// Successful calls per latency bucket since start (bounds in
        /// ``ConsoleState/latencyBucketBoundsMs``, plus the unbounded last one); the console's
        /// heatmap draws the differences between two readings.
        public var latencyBuckets: [UInt64]
    }

    /// A value for one task.
    public struct TaskValue: Codable, Sendable, Hashable {
        /// The task.
        public var task: String
        /// The value.
        public var value: Double
    }

    /// Hedged calls to one provider among the recent decisions.
    public struct ProviderHedges: Codable, Sendable, Hashable {
        /// Hedged calls it received.
        public var fired: Int
        /// Of those, the ones whose answer won.
        public var won: Int
    }

    /// A circuit breaker.
    public struct Breaker: Codable, Sendable, Hashable {
        /// `closed`, `half_open` or `open`.
        public var state: String
        /// Calls in its rolling window.
        public var calls: Int
        /// Failures among them.
        public var failures: Int
        /// Failures in a row.
        public var consecutiveFailures: Int
        /// Its last transitions, oldest first (bounded).
        public var history: [BreakerTransition]
    }

    /// One breaker state change.
    public struct BreakerTransition: Codable, Sendable, Hashable {
        /// The state left.
        public var from: String
        /// The state entered.
        public var to: String
        /// How long ago, in milliseconds.
        public var agoMs: Double
    }

    /// One SLO indicator.
    public struct SLO: Codable, Sendable, Hashable {
        /// The `slo` label: `TASK:availability` or `TASK:latency`.
        public var slo: String
        /// The task.
        public var task: String
        /// `availability` or `latency`.
        public var indicator: String
        /// The target share of good events.
        public var target: Double
        /// Share of the error budget left over the longest window (negative when overspent).
        public var errorBudgetRemaining: Double
        /// Burn rate per window, with the shipped alert's threshold for it.
        public var windows: [BurnWindow]
    }

    /// The burn rate over one window.
    public struct BurnWindow: Codable, Sendable, Hashable {
        /// `5m`, `30m`, `1h` or `6h`.
        public var window: String
        /// Error-budget burn rate (1 spends the budget exactly over the SLO period).
        public var burnRate: Double
        /// The burn rate at which the shipped alert on this window fires.
        public var threshold: Double
        /// That alert (`deploy/prometheus/rules/alerts.yml`).
        public var alert: String
        /// Its severity: `page` or `ticket`.
        public var severity: String
    }

    /// One configuration key in force.
    public struct ConfigEntry: Codable, Sendable, Hashable {
        /// The TOML key path (`qos.hedging.quantile`, `providers[0].base_url`).
        public var key: String
        /// Its value as text; secrets read `[redacted]`.
        public var value: String
    }

    /// A configuration reload's result.
    public struct Reload: Codable, Sendable, Hashable {
        /// `applied`, `rejected` or `failed`.
        public var result: String
        /// When, ISO 8601.
        public var at: String
        /// The problems, each with its key path.
        public var errors: [String]
    }

    /// `[console]` as in force.
    public struct Settings: Codable, Sendable, Hashable {
        /// Whether decisions keep input text.
        public var showInputs: Bool
        /// Decisions kept.
        public var decisions: Int
        /// The trace link template, if any.
        public var traceLink: String?
    }
}
