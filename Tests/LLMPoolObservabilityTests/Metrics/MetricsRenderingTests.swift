import Testing

@testable import LLMPoolObservability

@Suite("Metrics rendering")
struct MetricsRenderingTests {
    /// A counter with two series, a gauge with a value needing every escape, a gauge without
    /// labels and a histogram with an exemplar.
    private func smallRegistry() -> MetricsRegistry {
        let registry = MetricsRegistry()
        let requests = registry.counter(
            name: "llm_pool_requests_total",
            help: "Requests served.",
            labelNames: ["task", "status"]
        )
        requests.labels("judge", "ok").increment(by: 3)
        requests.labels("expand_queries", "ok").increment()

        let inFlight = registry.gauge(
            name: "llm_pool_in_flight",
            help: "In-flight \"requests\"\nwith a back\\slash.",
            labelNames: ["provider"]
        )
        inFlight.labels("a\"b\\c\nd").set(2.5)
        registry.gauge(name: "llm_pool_ready", help: "1 when ready.").labels().set(1)

        let latency = registry.histogram(
            name: "llm_pool_latency_seconds",
            help: "Latency.",
            unit: "seconds",
            labelNames: ["provider"],
            buckets: [0.1, 1]
        )
        let phi = latency.labels("phi3")
        phi.observe(0.0625)
        phi.observe(
            0.5,
            exemplar: Exemplar(
                traceID: "4bf92f3577b34da6a3ce929d0e0e4736",
                spanID: "00f067aa0ba902b7",
                value: 0.5,
                timestamp: 1_700_000_000.25
            )
        )
        phi.observe(3)
        return registry
    }

    @Test func prometheusText() {
        let expected = #"""
            # HELP llm_pool_in_flight In-flight "requests"\nwith a back\\slash.
            # TYPE llm_pool_in_flight gauge
            llm_pool_in_flight{provider="a\"b\\c\nd"} 2.5
            # HELP llm_pool_latency_seconds Latency.
            # TYPE llm_pool_latency_seconds histogram
            llm_pool_latency_seconds_bucket{provider="phi3",le="0.1"} 1
            llm_pool_latency_seconds_bucket{provider="phi3",le="1.0"} 2
            llm_pool_latency_seconds_bucket{provider="phi3",le="+Inf"} 3
            llm_pool_latency_seconds_sum{provider="phi3"} 3.5625
            llm_pool_latency_seconds_count{provider="phi3"} 3
            # HELP llm_pool_ready 1 when ready.
            # TYPE llm_pool_ready gauge
            llm_pool_ready 1
            # HELP llm_pool_requests_total Requests served.
            # TYPE llm_pool_requests_total counter
            llm_pool_requests_total{task="expand_queries",status="ok"} 1
            llm_pool_requests_total{task="judge",status="ok"} 3

            """#
        #expect(smallRegistry().render(format: .prometheus) == expected)
    }

    @Test func openMetricsText() {
        let expected = #"""
            # HELP llm_pool_in_flight In-flight \"requests\"\nwith a back\\slash.
            # TYPE llm_pool_in_flight gauge
            llm_pool_in_flight{provider="a\"b\\c\nd"} 2.5
            # HELP llm_pool_latency_seconds Latency.
            # TYPE llm_pool_latency_seconds histogram
            # UNIT llm_pool_latency_seconds seconds
            llm_pool_latency_seconds_bucket{provider="phi3",le="0.1"} 1
            llm_pool_latency_seconds_bucket{provider="phi3",le="1.0"} 2 \#
            # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b7"} 0.5 1700000000.25
            llm_pool_latency_seconds_bucket{provider="phi3",le="+Inf"} 3
            llm_pool_latency_seconds_count{provider="phi3"} 3
            llm_pool_latency_seconds_sum{provider="phi3"} 3.5625
            # HELP llm_pool_ready 1 when ready.
            # TYPE llm_pool_ready gauge
            llm_pool_ready 1
            # HELP llm_pool_requests Requests served.
            # TYPE llm_pool_requests counter
            llm_pool_requests_total{task="expand_queries",status="ok"} 1
            llm_pool_requests_total{task="judge",status="ok"} 3
            # EOF

            """#
        #expect(smallRegistry().render(format: .openMetrics) == expected)
    }

    @Test func emptyRegistry() {
        let registry = MetricsRegistry()
        _ = registry.counter(name: "llm_pool_unused_total", help: "Never used.", labelNames: ["a"])
        #expect(registry.render(format: .prometheus) == "")
        #expect(registry.render(format: .openMetrics) == "# EOF\n")
    }

    @Test(arguments: [
        (0.0, "0"), (1.0, "1"), (-3.0, "-3"), (2.5, "2.5"), (0.1, "0.1"), (1e-05, "1e-05"), (1e20, "1e+20"),
        (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"),
    ])
    func sampleValues(value: Double, text: String) {
        #expect(ExpositionText.number(value) == text)
    }

    @Test(arguments: [(0.005, "0.005"), (1.0, "1.0"), (120.0, "120.0"), (2.5, "2.5"), (Double.infinity, "+Inf")])
    func bucketBounds(value: Double, text: String) {
        #expect(ExpositionText.canonicalNumber(value) == text)
    }

    @Test(
        arguments: [
            (nil, ExpositionFormat.prometheus),
            ("", .prometheus),
            ("text/plain;version=0.0.4", .prometheus),
            ("*/*", .prometheus),
            (
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                    + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
                .openMetrics
            ),
            ("text/plain;q=0.5, Application/OpenMetrics-Text; version=1.0.0", .openMetrics),
            ("application/openmetrics-text;q=0,text/plain", .prometheus),
        ] as [(String?, ExpositionFormat)]
    )
    func formatFromAccept(accept: String?, format: ExpositionFormat) {
        #expect(MetricsRegistry.contentType(forAccept: accept) == format)
    }

    @Test func contentTypes() {
        #expect(ExpositionFormat.prometheus.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(
            ExpositionFormat.openMetrics.contentType == "application/openmetrics-text; version=1.0.0; charset=utf-8"
        )
    }
}
