import Testing

@testable import LLMPoolObservability

@Suite("Metrics under concurrency")
struct MetricsConcurrencyTests {
    @Test func concurrentUpdatesSumExactly() async {
        let registry = MetricsRegistry()
        let counters = registry.counter(name: "llm_pool_c_total", help: "C.", labelNames: ["k"])
        let gauges = registry.gauge(name: "llm_pool_g", help: "G.", labelNames: ["k"])
        let histograms = registry.histogram(name: "llm_pool_h_seconds", help: "H.", unit: "seconds", labelNames: ["k"])
        let tasks = 16
        let iterations = 10_000

        await withTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    // Every task looks the series up itself: lookups race too.
                    let counter = counters.labels("shared")
                    let gauge = gauges.labels("shared")
                    let histogram = histograms.labels("shared")
                    for iteration in 0..<iterations {
                        counter.increment()
                        if task.isMultiple(of: 2) { counter.increment(by: 0.5) }
                        gauge.increment(by: 2)
                        if iteration.isMultiple(of: 2) { histogram.observe(0.25) }
                    }
                }
            }
        }

        #expect(counters.labels("shared").value == Double(tasks * iterations) + Double(tasks / 2 * iterations) * 0.5)
        #expect(gauges.labels("shared").value == Double(tasks * iterations * 2))
        let histogram = histograms.labels("shared")
        #expect(histogram.count(window: .seconds(60)) == tasks * iterations / 2)
        #expect(histogram.snapshot(withExemplars: false).sum == Double(tasks * iterations / 2) * 0.25)
        #expect(registry.render().contains(#"llm_pool_h_seconds_count{k="shared"} 80000"#))
    }

    @Test func concurrentLookupsReturnOneSeries() async {
        let registry = MetricsRegistry()
        let family = registry.counter(name: "llm_pool_lookups_total", help: "L.", labelNames: ["k"])
        let ids = await withTaskGroup(of: ObjectIdentifier.self) { group in
            for _ in 0..<32 { group.addTask { ObjectIdentifier(family.labels("same")) } }
            return await group.reduce(into: Set<ObjectIdentifier>()) { $0.insert($1) }
        }
        #expect(ids.count == 1)
    }
}
