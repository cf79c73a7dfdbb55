import LLMPoolCore
import LLMPoolObservability
import LLMPoolTesting
import Synchronization
import Testing

/// A provider that counts its health probes, as a backend would see them.
final class ProbeCountingProvider: Provider {
    let name: String
    var model: String { name }
    let system = "scripted"
    let serverAddress = "in-process"
    let supportedTasks: Set<String> = []
    private let state = Mutex((probes: 0, healthy: true))

    init(name: String) { self.name = name }

    var probes: Int { state.withLock { $0.probes } }
    func setHealthy(_ healthy: Bool) { state.withLock { $0.healthy = healthy } }

    func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        ProviderResponse(text: "ok", model: name, usage: .init())
    }

    func stream(
        _ request: ProviderRequest,
        onDelta: @escaping @Sendable (String) async throws -> Void
    ) async throws -> ProviderResponse {
        try await complete(request)
    }

    func health() async -> ProviderHealth {
        let healthy = state.withLock { state in
            state.probes += 1
            return state.healthy
        }
        return ProviderHealth(healthy: healthy, detail: healthy ? "" : "down")
    }
}

@Suite("Health prober")
struct HealthProberTests {
    static func plan(interval: Duration = .seconds(10), passive: Duration = .seconds(30)) -> HealthProber.Plan {
        .init(schedule: .init(interval: interval, timeout: .seconds(1)), passiveWindow: passive)
    }

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
        let recorded = await monitor.statuses(for: [good, bad])
        #expect(recorded.map(\.health.healthy) == [true, false], "readiness reads the prober's results")
    }

    @Test("readiness reads only what was learned: a provider never probed is not ready, and nothing is probed")
    func neverProbed() async {
        let provider = ProbeCountingProvider(name: "p")
        let statuses = await ProviderHealthMonitor().statuses(for: [provider])
        #expect(statuses.map(\.health.healthy) == [false])
        #expect(provider.probes == 0)
    }

    @Test("a provider with a call in flight is not probed and keeps its last known health")
    func busyIsNotProbed() async {
        let metrics = PoolMetrics(registry: MetricsRegistry())
        let breakers = CircuitBreakerRegistry(configuration: .defaults)
        let provider = ProbeCountingProvider(name: "p")
        let monitor = ProviderHealthMonitor()
        let prober = HealthProber(
            providers: { [provider] },
            plan: { Self.plan() },
            monitor: monitor,
            breakers: breakers,
            metrics: metrics
        )
        await prober.probeAll()
        #expect(provider.probes == 1)
        let permit = try? #require(breakers.breaker(for: "p").acquire())
        provider.setHealthy(false)
        let statuses = await prober.probeAll()
        #expect(provider.probes == 1, "a probe would interrupt the running generation")
        #expect(statuses.first?.health.healthy == true)
        #expect(statuses.first?.health.detail.hasPrefix("busy") == true)
        if let permit { breakers.breaker(for: "p").record(permit, .ignored) }
        await prober.probeAll()
        #expect(provider.probes == 2)
        #expect(metrics.providerUp.labels("p").value == 0)
    }

    @Test("a successful call within the passive window stands for a probe")
    func passive() async throws {
        let time = ManualTime()
        let breakers = CircuitBreakerRegistry(configuration: .defaults, now: time.source)
        let provider = ProbeCountingProvider(name: "p")
        let prober = HealthProber(
            providers: { [provider] },
            plan: { Self.plan(passive: .seconds(30)) },
            breakers: breakers,
            metrics: PoolMetrics(registry: MetricsRegistry()),
            now: time.source
        )
        let breaker = breakers.breaker(for: "p")
        breaker.record(try #require(breaker.acquire()), .success)
        let statuses = await prober.probeAll()
        #expect(provider.probes == 0)
        #expect(statuses.first?.health.detail.hasPrefix("passive") == true)
        time.advance(by: .seconds(31))
        await prober.probeAll()
        #expect(provider.probes == 1)
    }

    @Test("a half-open breaker is closed by a successful probe, with no traffic")
    func halfOpenTrial() async throws {
        let time = ManualTime()
        var configuration = CircuitBreakerConfiguration.defaults
        configuration.consecutiveFailures = 1
        configuration.cooldown = .seconds(5)
        let breakers = CircuitBreakerRegistry(configuration: configuration, now: time.source)
        let provider = ProbeCountingProvider(name: "p")
        let prober = HealthProber(
            providers: { [provider] },
            plan: { Self.plan(interval: .seconds(60)) },
            breakers: breakers,
            metrics: PoolMetrics(registry: MetricsRegistry()),
            now: time.source
        )
        let breaker = breakers.breaker(for: "p")
        breaker.record(try #require(breaker.acquire()), .failure)
        #expect(breaker.state == .open)
        time.advance(by: .seconds(6))
        #expect(breaker.state == .halfOpen)
        await prober.probeAll()
        #expect(provider.probes == 1)
        #expect(breaker.state == .closed)
    }

    @Test("runs until cancelled, probing idle providers each interval")
    func runs() async throws {
        let metrics = PoolMetrics(registry: MetricsRegistry())
        let provider = ScriptedProvider(name: "p", behaviour: .answer("ok", delay: .zero))
        let prober = HealthProber(
            providers: { [provider] },
            plan: { Self.plan(interval: .milliseconds(5)) },
            metrics: metrics
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
