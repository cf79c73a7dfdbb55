import Testing

@testable import LLMPoolObservability

@Suite("Metrics cardinality guard")
struct MetricsCardinalityTests {
    @Test func labelSetsPastTheLimitFoldIntoOther() {
        let registry = MetricsRegistry(configuration: .init(seriesLimit: 1_000))
        let calls = registry.counter(
            name: "llm_pool_route_calls_total",
            help: "Calls.",
            labelNames: ["route", "method"],
            seriesLimit: 3
        )
        for index in 0..<5 { calls.labels("/r\(index)", "GET").increment() }
        // A label set seen before the limit keeps its own series.
        calls.labels("/r0", "GET").increment()

        #expect(calls.labels("/r9", "POST") === calls.labels("/r10", "PUT"))
        #expect(calls.labels("/r9", "POST").labelValues == ["other", "other"])

        let text = registry.render(format: .prometheus)
        #expect(text.contains(#"llm_pool_route_calls_total{route="/r0",method="GET"} 2"#))
        #expect(text.contains(#"llm_pool_route_calls_total{route="/r2",method="GET"} 1"#))
        #expect(!text.contains(#"route="/r3""#))
        #expect(text.contains(#"llm_pool_route_calls_total{route="other",method="other"} 2"#))
        // /r3, /r4, then two lookups in the `===` check and one for labelValues.
        #expect(text.contains(#"llm_pool_metric_series_overflow_total{metric="llm_pool_route_calls_total"} 5"#))
    }

    @Test func theRegistryLimitIsTheDefault() {
        let registry = MetricsRegistry(configuration: .init(seriesLimit: 2))
        let sizes = registry.histogram(
            name: "llm_pool_sizes_bytes",
            help: "Sizes.",
            unit: "bytes",
            labelNames: ["kind"],
            buckets: [10]
        )
        sizes.labels("a").observe(1)
        sizes.labels("b").observe(1)
        sizes.labels("c").observe(100)
        sizes.labels("d").observe(100)
        let text = registry.render(format: .openMetrics)
        #expect(text.contains(#"llm_pool_sizes_bytes_bucket{kind="other",le="+Inf"} 2"#))
        #expect(text.contains(#"llm_pool_metric_series_overflow_total{metric="llm_pool_sizes_bytes"} 2"#))
        #expect(text.contains("# TYPE llm_pool_metric_series_overflow counter\n"))
    }

    @Test func noOverflowNoOverflowMetric() {
        let registry = MetricsRegistry()
        registry.gauge(name: "llm_pool_g", help: "G.", labelNames: ["a"]).labels("x").set(1)
        #expect(!registry.render().contains("overflow"))
    }
}
