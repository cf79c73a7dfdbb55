import LLMPoolObservability

/// `[telemetry]`: request measurement and `/metrics`.
public struct TelemetryConfiguration: Sendable, Hashable {
    /// Whether requests, steps and provider calls are measured and traced. Default true; turned off
    /// only to measure what telemetry costs. TOML `telemetry.enabled`.
    public var enabled: Bool
    /// Most series per metric before label values fold into `other`. Default 1,000.
    /// TOML `telemetry.series_limit`.
    public var seriesLimit: Int
    /// Window the router reads recent latency quantiles over. Default 60 s.
    /// TOML `telemetry.recent_window_ms`.
    public var recentWindow: Duration

    /// Whether Hummingbird's own HTTP server metrics (`hb_requests_total`,
    /// `http_server_request_duration_seconds`, …) are recorded too, through swift-metrics.
    /// llm-pool's request metrics already cover every route that matters. Default false.
    /// TOML `telemetry.http_server_metrics`.
    public var httpServerMetrics: Bool = false

    /// The defaults.
    public static var defaults: TelemetryConfiguration {
        .init(enabled: true, seriesLimit: 1_000, recentWindow: .seconds(60))
    }
}
