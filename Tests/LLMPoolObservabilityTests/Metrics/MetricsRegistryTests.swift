import Testing

@testable import LLMPoolObservability

@Suite("MetricsRegistry")
struct MetricsRegistryTests {
    @Test func sameNameAndShapeGivesTheSameFamily() {
        let registry = MetricsRegistry()
        let first = registry.histogram(
            name: "llm_pool_wait_seconds",
            help: "Wait.",
            unit: "seconds",
            labelNames: ["task"]
        )
        let second = registry.histogram(
            name: "llm_pool_wait_seconds",
            help: "Other help.",
            unit: "seconds",
            labelNames: ["task"]
        )
        #expect(first === second)
        #expect(first.labels("judge") === second.labels(["judge"]))
    }

    @Test func differentShapeIsAProgrammerError() async {
        await #expect(processExitsWith: .failure) {
            let registry = MetricsRegistry()
            _ = registry.counter(name: "llm_pool_calls_total", help: "Calls.", labelNames: ["provider"])
            _ = registry.counter(name: "llm_pool_calls_total", help: "Calls.", labelNames: ["task"])
        }
    }

    @Test func histogramBucketsAreSeparateSeries() {
        let registry = MetricsRegistry()
        let latency = registry.histogram(name: "llm_pool_call_seconds", help: "Calls.", buckets: [1, 2, .infinity])
        #expect(latency.buckets == [1, 2])
        let series = latency.labels()
        for value in [0.5, 1, 1.5, 2, 2.5] { series.observe(value) }
        let snapshot = series.snapshot(withExemplars: false)
        // Upper bounds are inclusive: 1 falls in le="1.0", 2 in le="2.0".
        #expect(snapshot.cumulative == [2, 4, 5])
        #expect(snapshot.sum == 7.5)
    }

    @Test func collectorsRunBeforeRendering() {
        let registry = MetricsRegistry()
        let renders = registry.counter(name: "llm_pool_renders_total", help: "Renders.")
        registry.addCollector { renders.labels().increment() }
        #expect(registry.render().contains("llm_pool_renders_total 1\n"))
        #expect(registry.render().contains("llm_pool_renders_total 2\n"))
    }
}
