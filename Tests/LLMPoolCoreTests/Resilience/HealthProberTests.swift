import LLMPoolCore
import LLMPoolObservability
import LLMPoolTesting
import Testing

@Suite("Health prober")
struct HealthProberTests {
    @Test("a round of probes sets llm_pool_provider_up, the monitor and the health board")
    func probeRound() async {
        let metrics = PoolMetrics(registry: MetricsRegistry())
        let monitor = ProviderHealthMonitor()
        let board = ProviderHealthBoard()
        let good = ScriptedProvider(name: "good", behaviour: .answer("ok", delay: .zero))
        let bad = ScriptedProvider(
            name: "bad",
            behaviour: .fail(PoolError(code: .unavailable, message: "down"), delay: .zero)
        )
        let prober = HealthProber(providers: { [good, bad] }, monitor: monitor, health: board, metrics: metrics)
        let statuses = await prober.probeAll()
        #expect(statuses.map(\.health.healthy) == [true, false])
        #expect(metrics.providerUp.labels("good").value == 1)
        #expect(metrics.providerUp.labels("bad").value == 0)
        #expect(board.isHealthy("good") && !board.isHealthy("bad"))
        let recorded = await monitor.check([good, bad])
        #expect(recorded.map(\.health.healthy) == [true, false], "readiness reads the prober's results")
    }

    @Test("runs until cancelled, probing each interval")
    func runs() async throws {
        let metrics = PoolMetrics(registry: MetricsRegistry())
        let provider = ScriptedProvider(name: "p", behaviour: .answer("ok", delay: .zero))
        let prober = HealthProber(
            providers: { [provider] },
            metrics: metrics,
            configuration: .init(interval: .milliseconds(5), timeout: .seconds(1))
        )
        let task = Task { try await prober.run() }
        try await waitUntil { metrics.providerUp.labels("p").value == 1 }
        provider.setBehaviour(.fail(PoolError(code: .unavailable, message: "down"), delay: .zero))
        try await waitUntil { metrics.providerUp.labels("p").value == 0 }
        task.cancel()
        _ = await task.result
    }
}

/// Polls `condition` every few milliseconds for at most two seconds.
func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<400 where !condition() {
        try await Task.sleep(for: .milliseconds(5))
    }
    #expect(condition())
}
