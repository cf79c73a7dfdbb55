import CoreMetrics
import Testing

@testable import LLMPoolObservability

@Suite("RegistryMetricsFactory")
struct RegistryMetricsFactoryTests {
    @Test func countersMapDimensionsToLabels() {
        let registry = MetricsRegistry()
        let factory = RegistryMetricsFactory(registry: registry)
        let counter = Counter(
            label: "http.server.requests",
            dimensions: [("method", "GET"), ("status", "200")],
            factory: factory
        )
        counter.increment(by: 2)
        // Dimension order does not matter.
        Counter(label: "http.server.requests", dimensions: [("status", "200"), ("method", "GET")], factory: factory)
            .increment()
        FloatingPointCounter(label: "tokens-used", factory: factory).increment(by: 1.5)

        let text = registry.render()
        // Counters get the `_total` suffix Prometheus expects.
        #expect(text.contains("# TYPE http_server_requests_total counter\n"))
        #expect(text.contains(#"http_server_requests_total{method="GET",status="200"} 3"#))
        #expect(text.contains("tokens_used_total 1.5\n"))
    }

    @Test func metersAndGaugesAreGauges() {
        let registry = MetricsRegistry()
        let factory = RegistryMetricsFactory(registry: registry)
        let meter = Meter(label: "pool.connections", dimensions: [("pool", "a")], factory: factory)
        meter.set(5)
        meter.increment(by: 2)
        meter.decrement(by: 1)
        Gauge(label: "queue_depth", factory: factory).record(7)

        let text = registry.render()
        #expect(text.contains(#"pool_connections{pool="a"} 6"#))
        #expect(text.contains("# TYPE queue_depth gauge\nqueue_depth 7\n"))
    }

    @Test func recordersAndTimersAreHistograms() {
        let registry = MetricsRegistry()
        let factory = RegistryMetricsFactory(registry: registry, recorderBuckets: [100, 1_000])
        let sizes = Recorder(label: "body.bytes", dimensions: [("le", "x")], factory: factory)
        sizes.record(50)
        sizes.record(5_000)
        let timer = CoreMetrics.Timer(
            label: "request_duration_seconds",
            dimensions: [("route", "/v1/infer")],
            factory: factory
        )
        timer.recordNanoseconds(1_500_000_000)
        timer.recordMilliseconds(250)

        let prometheus = registry.render(format: .prometheus)
        #expect(prometheus.contains(#"body_bytes_bucket{le_="x",le="100.0"} 1"#))
        #expect(prometheus.contains(#"body_bytes_bucket{le_="x",le="+Inf"} 2"#))
        #expect(prometheus.contains(#"request_duration_seconds_bucket{route="/v1/infer",le="0.25"} 1"#))
        #expect(prometheus.contains(#"request_duration_seconds_sum{route="/v1/infer"} 1.75"#))
        #expect(prometheus.contains(#"request_duration_seconds_count{route="/v1/infer"} 2"#))
        #expect(registry.render(format: .openMetrics).contains("# UNIT request_duration_seconds seconds\n"))
    }

    @Test func conflictingUsesGetANoOpHandler() {
        let registry = MetricsRegistry()
        let factory = RegistryMetricsFactory(registry: registry)
        let counter = factory.makeCounter(label: "shared.name", dimensions: [])
        counter.increment(by: 1)
        let meter = factory.makeMeter(label: "shared.name_total", dimensions: [])
        meter.set(Int64(100))
        let otherKeys = factory.makeCounter(label: "shared.name", dimensions: [("k", "v")])
        otherKeys.increment(by: 1)
        #expect(meter is NOOPMetricsHandler)
        #expect(otherKeys is NOOPMetricsHandler)
        #expect(registry.render().contains("shared_name_total 1\n"))
    }

    @Test(arguments: [
        ("http.server.requests", "http_server_requests"), ("9lives", "_9lives"), ("a-b/c d", "a_b_c_d"),
        ("ok:name_1", "ok:name_1"),
    ])
    func namesAreSanitised(label: String, name: String) {
        #expect(MetricName.sanitizedMetricName(label) == name)
        #expect(MetricName.isValidMetricName(name))
    }

    @Test func labelNamesAreSanitised() {
        #expect(MetricName.sanitizedLabelName("__reserved") == "_reserved")
        #expect(MetricName.sanitizedLabelName("http.method") == "http_method")
        #expect(MetricName.isValidLabelName(MetricName.sanitizedLabelName("1x")))
    }
}
