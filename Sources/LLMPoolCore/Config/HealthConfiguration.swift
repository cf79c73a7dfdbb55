/// `[health]`: how provider health is learned without disturbing the backends.
///
/// Passive first: a provider that answered a call within ``passiveWindow``, or has a call in
/// flight, is healthy without a probe (real servers such as llama.cpp interrupt a running
/// generation when another request arrives, so probing a busy provider cuts real streams).
/// Idle providers are probed every ``interval``, each probe bounded by ``timeout``; a provider
/// entry may override both (`health_interval_ms`, `health_timeout_ms`).
public struct HealthConfiguration: Sendable, Hashable {
    /// Time between probes of an idle provider. Default 10 s. TOML `health.interval_ms`.
    public var interval: Duration
    /// How long one probe may take before the provider counts as down. Default 2 s.
    /// TOML `health.timeout_ms`.
    public var timeout: Duration
    /// A successful call within this window makes a probe unnecessary. Default 30 s.
    /// TOML `health.passive_window_ms`.
    public var passiveWindow: Duration

    /// Creates a configuration.
    public init(
        interval: Duration = .seconds(10),
        timeout: Duration = .seconds(2),
        passiveWindow: Duration = .seconds(30)
    ) {
        self.interval = interval
        self.timeout = timeout
        self.passiveWindow = passiveWindow
    }

    /// 10 s between probes, 2 s per probe, a 30 s passive window.
    public static var defaults: HealthConfiguration { .init() }
}
