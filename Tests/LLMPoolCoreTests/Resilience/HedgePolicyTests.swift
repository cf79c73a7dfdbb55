import LLMPoolCore
import LLMPoolObservability
import LLMPoolTesting
import Testing

@Suite("Hedge delay from measured latency")
struct HedgePolicyTests {
    static let provider = ScriptedProvider(name: "a", behaviour: .hang)
    /// p95, 300 ms static, clamped to [20 ms, 2 s]: the defaults.
    static let hedging = HedgingConfiguration.defaults

    static func policy(time: ManualTime) -> (HedgePolicy, HistogramSeries) {
        let metrics = PoolMetrics(registry: MetricsRegistry(now: time.source))
        let series = metrics.providerLatency.labels(provider.name, provider.model, "t")
        return (HedgePolicy(metrics: metrics, minimumSamples: 20, window: .seconds(60)), series)
    }

    @Test("the static delay until enough samples exist, then the measured quantile")
    func staticThenMeasured() {
        let time = ManualTime()
        let (policy, series) = Self.policy(time: time)
        for _ in 0..<19 { series.observe(0.08) }
        #expect(policy.measure(Self.provider, task: "t", configuration: Self.hedging) == (.milliseconds(300), .static))
        series.observe(0.08)
        let (delay, source) = policy.measure(Self.provider, task: "t", configuration: Self.hedging)
        #expect(source == .measured)
        // All 20 samples in the (0.05, 0.1] bucket: p95 interpolates to 0.0975 s.
        #expect(abs(delay.fractionalMilliseconds - 97.5) < 0.01)
        #expect(
            policy.delay(for: Self.provider, task: "other", configuration: Self.hedging) == .milliseconds(300),
            "per task"
        )
    }

    @Test("the measured delay is clamped to [min_delay, max_delay]")
    func clamped() {
        let time = ManualTime()
        let (policy, series) = Self.policy(time: time)
        for _ in 0..<30 { series.observe(0.001) }
        #expect(policy.delay(for: Self.provider, task: "t", configuration: Self.hedging) == .milliseconds(20))
        for _ in 0..<600 { series.observe(25) }
        #expect(policy.delay(for: Self.provider, task: "t", configuration: Self.hedging) == .seconds(2))
    }

    @Test("samples older than the window no longer count")
    func windowed() {
        let time = ManualTime()
        let (policy, series) = Self.policy(time: time)
        for _ in 0..<40 { series.observe(0.08) }
        #expect(policy.measure(Self.provider, task: "t", configuration: Self.hedging).source == .measured)
        time.advance(by: .seconds(61))
        #expect(policy.measure(Self.provider, task: "t", configuration: Self.hedging).source == .static)
    }
}
