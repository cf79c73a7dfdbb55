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

    /// The defaults.
    public static var defaults: TelemetryConfiguration {
        .init(enabled: true, seriesLimit: 1_000, recentWindow: .seconds(60))
    }
}
