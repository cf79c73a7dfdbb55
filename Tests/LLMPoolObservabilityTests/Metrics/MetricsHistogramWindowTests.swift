import Testing

@testable import LLMPoolObservability

@Suite("Histogram recent window")
struct MetricsHistogramWindowTests {
    @Test func quantilesFollowTheWindow() throws {
        let clock = ManualNow()
        let registry = MetricsRegistry(
            configuration: .init(recentWindow: .seconds(60), recentWindowSlices: 6),
            now: clock.now
        )
        let latency = registry.histogram(name: "llm_pool_call_seconds", help: "Calls.", labelNames: ["provider"])
            .labels("phi3")

        #expect(latency.quantile(0.5, window: .seconds(60)) == nil)
        #expect(latency.count(window: .seconds(60)) == 0)

        // t = 0 s: 100 calls in (0.25, 0.5].
        for _ in 0..<100 { latency.observe(0.3) }
        #expect(latency.count(window: .seconds(60)) == 100)
        #expect(try #require(latency.quantile(0.5, window: .seconds(60))) == 0.375)

        // t = 30 s: 100 calls in (2.5, 5].
        clock.advance(by: .seconds(30))
        for _ in 0..<100 { latency.observe(3) }
        #expect(latency.count(window: .seconds(60)) == 200)
        #expect(latency.count(window: .seconds(10)) == 100)
        #expect(try #require(latency.quantile(0.5, window: .seconds(60))) == 0.5)
        #expect(try #require(latency.quantile(0.75, window: .seconds(60))) == 3.75)
        #expect(try #require(latency.quantile(0.5, window: .seconds(10))) == 3.75)

        // t = 65 s: the first slice has left the window.
        clock.advance(by: .seconds(35))
        #expect(latency.count(window: .seconds(60)) == 100)
        #expect(try #require(latency.quantile(0.5, window: .seconds(60))) == 3.75)

        // t = 125 s: everything has expired; the ring slot of t = 0 is reused and starts empty.
        clock.advance(by: .seconds(60))
        #expect(latency.quantile(0.99, window: .seconds(60)) == nil)
        latency.observe(0.01)
        #expect(latency.count(window: .seconds(60)) == 1)
        #expect(try #require(latency.quantile(1, window: .seconds(60))) == 0.01)

        // The exposition counts keep everything.
        #expect(registry.render().contains(#"llm_pool_call_seconds_count{provider="phi3"} 201"#))
    }

    @Test func overflowAndEdges() throws {
        let clock = ManualNow()
        let registry = MetricsRegistry(now: clock.now)
        let series = registry.histogram(name: "llm_pool_x_seconds", help: "X.", buckets: [1, 2]).labels()
        for _ in 0..<10 { series.observe(50) }
        // All in +Inf: the highest finite bound, as PromQL does.
        #expect(series.quantile(0.5, window: .seconds(60)) == 2)
        #expect(series.quantile(1.5, window: .seconds(60)) == nil)
        series.observe(0.5)
        #expect(series.quantile(0, window: .seconds(60)) == 0)
    }
}
