import Foundation
import LLMPoolObservability

/// `llm-pool-bench metrics`: the cost of the registry's hot paths under contention, and of
/// rendering `/metrics` with 10,000 series.
///
/// ns/op is wall-clock time divided by all the operations of all tasks: with more tasks than
/// cores it is the cost per operation at full load, contention included.
struct MetricsBenchmark {
    var scale: Double

    private static let taskCounts = [1, 2, 8]
    /// Observed values: log-normal-ish latencies from 10 ms to ~60 s, spread over the buckets.
    private static let values: [Double] = (0..<1024).map { index in
        let x = Double((index &* 2_654_435_761) % 1024) / 1024
        return 0.01 * pow(6_000, x)
    }

    func run() async {
        print(
            "llm-pool-bench metrics: \(ProcessInfo.processInfo.activeProcessorCount) cores, ns/op = wall time / all ops"
        )
        print(row("operation", "tasks", "ops/task", "ns/op", "Mops/s"))
        let operations = Int(1_000_000 * scale)

        let registry = MetricsRegistry()
        let latency = registry.histogram(
            name: "bench_latency_seconds",
            help: "Bench.",
            unit: "seconds",
            labelNames: ["provider", "task"]
        )
        let calls = registry.counter(name: "bench_calls_total", help: "Bench.", labelNames: ["provider", "task"])

        for tasks in Self.taskCounts {
            let shared = latency.labels("phi3-mini", "expand_queries")
            await measure("histogram.observe, shared series", tasks: tasks, operations: operations) { _, index in
                shared.observe(Self.values[index & 1023])
            } prepare: { _ in
                ()
            }
        }
        for tasks in Self.taskCounts {
            await measure("histogram.observe, series per task", tasks: tasks, operations: operations) { series, index in
                series.observe(Self.values[index & 1023])
            } prepare: { task in
                latency.labels("provider-\(task)", "judge")
            }
        }
        for tasks in Self.taskCounts {
            await measure("histogram.labels(a, b).observe", tasks: tasks, operations: operations / 4) { _, index in
                latency.labels("phi3-mini", "expand_queries").observe(Self.values[index & 1023])
            } prepare: { _ in
                ()
            }
        }
        for tasks in Self.taskCounts {
            let shared = calls.labels("phi3-mini", "expand_queries")
            await measure("counter.increment, shared series", tasks: tasks, operations: operations) { _, _ in
                shared.increment()
            } prepare: { _ in
                ()
            }
        }
        for tasks in Self.taskCounts {
            await measure("counter.increment, series per task", tasks: tasks, operations: operations) { series, _ in
                series.increment()
            } prepare: { task in
                calls.labels("provider-\(task)", "judge")
            }
        }

        print("")
        print(row("render /metrics", "format", "series", "ms", "KiB"))
        renderBenchmarks()
    }

    /// Runs `tasks` tasks of `operations` calls each; `prepare` makes each task's state (its handle).
    private func measure<State: Sendable>(
        _ name: String,
        tasks: Int,
        operations: Int,
        _ body: @escaping @Sendable (State, Int) -> Void,
        prepare: @escaping @Sendable (Int) -> State
    ) async {
        let clock = ContinuousClock()
        let start = clock.now
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    let state = prepare(task)
                    for index in 0..<operations { body(state, index &+ task) }
                }
            }
        }
        let nanoseconds = Double((clock.now - start).nanoseconds)
        let total = Double(tasks * operations)
        print(
            row(
                name,
                "\(tasks)",
                Self.grouped(operations),
                String(format: "%.1f", nanoseconds / total),
                String(format: "%.1f", total / nanoseconds * 1_000)
            )
        )
    }

    private func renderBenchmarks() {
        // 10,000 series: 100 providers × 100 tasks, as counters and as histograms (15 buckets).
        let counters = MetricsRegistry()
        let counterFamily = counters.counter(
            name: "bench_calls_total",
            help: "Bench.",
            labelNames: ["provider", "task"],
            seriesLimit: 10_000
        )
        let histograms = MetricsRegistry()
        let histogramFamily = histograms.histogram(
            name: "bench_latency_seconds",
            help: "Bench.",
            unit: "seconds",
            labelNames: ["provider", "task"],
            seriesLimit: 10_000
        )
        for provider in 0..<100 {
            for task in 0..<100 {
                counterFamily.labels("provider-\(provider)", "task-\(task)").increment(by: Double(provider * task))
                let series = histogramFamily.labels("provider-\(provider)", "task-\(task)")
                for index in 0..<8 {
                    series.observe(Self.values[(provider * 31 + task * 7 + index) & 1023])
                }
            }
        }
        let runs = max(3, Int(7 * scale))
        for (label, registry) in [("counters", counters), ("histograms", histograms)] {
            for format in ExpositionFormat.allCases {
                var size = registry.render(format: format).utf8.count  // warm-up: sorts the series once
                var timings: [Double] = []
                for _ in 0..<runs {
                    let clock = ContinuousClock()
                    let start = clock.now
                    size = registry.render(format: format).utf8.count
                    timings.append((clock.now - start).fractionalMilliseconds)
                }
                let median = timings.sorted()[timings.count / 2]
                print(
                    row(
                        "10,000 \(label)",
                        format == .prometheus ? "prometheus" : "openmetrics",
                        "10,000",
                        String(format: "%.2f", median),
                        "\(size / 1024)"
                    )
                )
            }
        }
    }

    private func row(_ name: String, _ a: String, _ b: String, _ c: String, _ d: String) -> String {
        name.padding(toLength: 38, withPad: " ", startingAt: 0)
            + [a, b, c, d].map { String(repeating: " ", count: max(0, 12 - $0.count)) + $0 }.joined()
    }

    private static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        return digits.enumerated().map { index, digit in
            index > 0 && (digits.count - index) % 3 == 0 ? ",\(digit)" : "\(digit)"
        }.joined()
    }
}
