import Synchronization
import Testing

@testable import LLMPoolObservability

@Suite("SLO burn rates")
struct SLOTrackerTests {
    /// A clock the test moves by hand.
    final class Now: Sendable {
        private let instant = Mutex(ContinuousClock.now)
        var read: @Sendable () -> ContinuousClock.Instant { { [self] in instant.withLock { $0 } } }
        func advance(_ duration: Duration) { instant.withLock { $0 = $0.advanced(by: duration) } }
    }

    static let objective = ServiceLevelObjective(
        task: "t",
        availabilityTarget: 0.99,
        latencyThreshold: .milliseconds(500),
        latencyTarget: 0.9
    )

    @Test("availability burn is the bad share over the budget, per window, and old slices age out")
    func availabilityWindows() {
        let now = Now()
        let tracker = SLOTracker(objectives: [Self.objective], now: now.read)
        for index in 0..<100 { tracker.record(task: "t", success: index >= 2, latency: .milliseconds(10)) }
        // 2% bad against a 1% budget.
        #expect(abs(tracker.burnRate(task: "t", indicator: .availability, window: .seconds(300)) - 2) < 1e-9)
        #expect(abs(tracker.budgetRemaining(task: "t", indicator: .availability) - -1) < 1e-9)
        // Ten minutes of clean traffic later, the 5-minute window has forgotten the failures; the
        // 1-hour window still sees them among all 200 requests.
        now.advance(.seconds(600))
        for _ in 0..<100 { tracker.record(task: "t", success: true, latency: .milliseconds(10)) }
        #expect(tracker.burnRate(task: "t", indicator: .availability, window: .seconds(300)) == 0)
        #expect(abs(tracker.burnRate(task: "t", indicator: .availability, window: .seconds(3600)) - 1) < 1e-9)
        // After the longest window, nothing is left.
        now.advance(.seconds(6 * 3600 + 60))
        #expect(tracker.burnRate(task: "t", indicator: .availability, window: .seconds(21600)) == 0)
        #expect(tracker.budgetRemaining(task: "t", indicator: .availability) == 1)
    }

    @Test("latency burn counts slow successes against the latency target; failures do not count twice")
    func latency() {
        let now = Now()
        let tracker = SLOTracker(objectives: [Self.objective], now: now.read)
        for index in 0..<10 {
            tracker.record(task: "t", success: true, latency: index < 3 ? .seconds(1) : .milliseconds(100))
        }
        tracker.record(task: "t", success: false, latency: .seconds(2))
        // 3 slow of 10 successful = 30% against a 10% budget.
        #expect(abs(tracker.burnRate(task: "t", indicator: .latency, window: .seconds(300)) - 3) < 1e-9)
        #expect(tracker.burnRate(task: "other", indicator: .latency, window: .seconds(300)) == 0)
    }

    @Test("per-provider burn rates tell a failing provider from a healthy one")
    func providers() {
        let now = Now()
        let tracker = SLOTracker(objectives: [Self.objective], now: now.read)
        for index in 0..<50 {
            tracker.recordProvider(task: "t", provider: "bad", success: index % 10 != 0)
            tracker.recordProvider(task: "t", provider: "good", success: true)
        }
        #expect(abs((tracker.providerBurnRate(task: "t", provider: "bad", window: .seconds(300)) ?? 0) - 10) < 1e-9)
        #expect(tracker.providerBurnRate(task: "t", provider: "good", window: .seconds(300)) == 0)
        #expect(tracker.providerBurnRate(task: "t", provider: "unseen", window: .seconds(300)) == nil)
        #expect(tracker.providerBurnRate(task: "untracked", provider: "bad", window: .seconds(300)) == nil)
    }

    @Test("burn rates and budgets are exported as gauges on every render")
    func export() {
        let registry = MetricsRegistry()
        let tracker = SLOTracker(objectives: [Self.objective])
        tracker.export(
            burnRate: registry.gauge(name: "llm_pool_slo_burn_rate", help: "b", labelNames: ["slo", "window"]),
            budgetRemaining: registry.gauge(
                name: "llm_pool_slo_error_budget_remaining",
                help: "r",
                labelNames: ["slo"]
            ),
            on: registry
        )
        tracker.record(task: "t", success: false, latency: .zero)
        let text = registry.render()
        #expect(text.contains(#"llm_pool_slo_burn_rate{slo="t:availability",window="5m"} 100"#))
        #expect(text.contains(#"llm_pool_slo_burn_rate{slo="t:latency",window="6h"} 0"#))
        #expect(text.contains(#"llm_pool_slo_error_budget_remaining{slo="t:availability"} -99"#))
    }
}
