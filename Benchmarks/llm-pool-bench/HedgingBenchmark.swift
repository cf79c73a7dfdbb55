import Foundation
import LLMPoolCore
import LLMPoolObservability
import LLMPoolTesting
import Synchronization

/// `llm-pool-bench hedging`: what hedged requests buy FASTEST on heavy-tailed providers, and
/// what they cost upstream.
///
/// Two in-process providers with the same latency distribution serve one FASTEST task through
/// the orchestrator, `requests` requests at `concurrency` at a time (after a warm-up that fills
/// the latency histogram), in three configurations:
/// - no hedging (`max_hedges = 0`): only the first provider is asked;
/// - static-delay hedging: hedge after `static_delay_ms` (300 ms, the shipped default), as
///   happens before any latency is measured;
/// - histogram-driven hedging: hedge after the first provider's measured p95 for the task
///   (``HedgePolicy``), its latency fed by ``InstrumentedProvider`` as in production.
/// Both hedging configurations keep the shipped 10 % hedge budget and one hedge per request.
struct HedgingBenchmark {
    var requests = 2_000
    var concurrency = 32
    var warmup = 300

    /// A latency distribution of both providers.
    struct Scenario: Sendable {
        var name: String
        var sample: @Sendable (inout SplitMix64) -> Duration
    }

    enum Mode: String, CaseIterable {
        case none = "no hedging"
        case staticDelay = "static 300 ms"
        case measured = "histogram p95"
    }

    struct Measurement {
        var p50: Duration
        var p99: Duration
        var extraUpstream: Double
        var hedgesFired: Int
        var budgetDenied: Int
        var seconds: Double
    }

    static let scenarios: [Scenario] = [
        Scenario(name: "stragglers: 97% log-normal (p50 40 ms, p99 90 ms), 3% uniform 0.8-1.5 s") { random in
            if random.uniform() < 0.03 { return .milliseconds(800 + Int(random.uniform() * 700)) }
            return random.logNormal(p50: 0.040, p99: 0.090)
        },
        Scenario(name: "log-normal: p50 50 ms, p99 500 ms") { random in
            random.logNormal(p50: 0.050, p99: 0.500)
        },
    ]

    func run() async throws {
        print("llm-pool-bench hedging: FASTEST over 2 providers with the same latency distribution")
        print(
            "\(requests) requests, \(concurrency) concurrent, after \(warmup) warm-up requests; hedge budget 10%, 1 hedge max"
        )
        for (number, scenario) in Self.scenarios.enumerated() {
            print("\n\(scenario.name)")
            print(Self.row("configuration", "p50", "p99", "p99 vs none", "extra upstream", "hedges", "denied", "time"))
            var baseline: Duration?
            for mode in Mode.allCases {
                let result = try await measure(scenario, mode, seed: UInt64(number + 1))
                if mode == .none { baseline = result.p99 }
                let change =
                    baseline.map { base in
                        String(format: "%+.0f%%", (result.p99.seconds / base.seconds - 1) * 100)
                    } ?? "-"
                print(
                    Self.row(
                        mode.rawValue,
                        Self.format(result.p50),
                        Self.format(result.p99),
                        change,
                        String(format: "%.1f%%", result.extraUpstream * 100),
                        "\(result.hedgesFired)",
                        "\(result.budgetDenied)",
                        String(format: "%.1f s", result.seconds)
                    )
                )
            }
        }
    }

    func measure(_ scenario: Scenario, _ mode: Mode, seed: UInt64) async throws -> Measurement {
        let telemetry = PoolTelemetry.makeStandalone()
        let random = LatencySource(scenario: scenario, seed: seed)
        let scripted = ["a", "b"].map { name in
            ScriptedProvider(name: name, behaviour: .sampled("answer from \(name)", latency: { random.next() }))
        }
        // Only the histogram-driven run measures latency; without samples the static delay applies.
        let providers: [any Provider] =
            mode == .measured ? scripted.map { InstrumentedProvider($0, telemetry: telemetry) } : scripted
        var config = PoolConfiguration()
        config.providers = scripted.map {
            ProviderConfiguration(name: $0.name, kind: .ollama, baseURL: "http://127.0.0.1:1", model: $0.model)
        }
        config.tasks["t"] = TaskConfiguration(
            name: "t",
            providers: ["a", "b"],
            template: try PromptTemplate(source: "{{input}}"),
            temperature: 0
        )
        config.cache.enabled = false
        if mode == .none { config.qos.hedging.maxHedges = 0 }
        let orchestrator = Orchestrator(configuration: config, providers: providers, telemetry: telemetry)

        _ = try await drive(orchestrator, count: warmup)
        let callsBefore = scripted.reduce(0) { $0 + $1.calls }
        let hedgesBefore = telemetry.metrics.hedges.labels("t", "fired").value
        let deniedBefore = telemetry.metrics.hedges.labels("t", "budget_denied").value
        let start = ContinuousClock.now
        var latencies = try await drive(orchestrator, count: requests)
        let seconds = start.duration(to: .now).seconds
        let calls = scripted.reduce(0) { $0 + $1.calls } - callsBefore
        latencies.sort()
        return Measurement(
            p50: latencies[latencies.count / 2],
            p99: latencies[Int((Double(latencies.count) * 0.99).rounded(.up)) - 1],
            extraUpstream: Double(calls - requests) / Double(requests),
            hedgesFired: Int(telemetry.metrics.hedges.labels("t", "fired").value - hedgesBefore),
            budgetDenied: Int(telemetry.metrics.hedges.labels("t", "budget_denied").value - deniedBefore),
            seconds: seconds
        )
    }

    /// Sends `count` requests, `concurrency` at a time; returns their latencies.
    private func drive(_ orchestrator: Orchestrator, count: Int) async throws -> [Duration] {
        let next = Ticket()
        return try await withThrowingTaskGroup(of: [Duration].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var latencies: [Duration] = []
                    while true {
                        let index = next.take()
                        guard index < count else { return latencies }
                        let started = ContinuousClock.now
                        _ = try await orchestrator.infer(
                            InferenceRequest(
                                requestID: "\(index)",
                                task: "t",
                                input: "q\(index)",
                                deadline: .seconds(5)
                            )
                        )
                        latencies.append(started.duration(to: .now))
                    }
                }
            }
            var all: [Duration] = []
            for try await part in group { all += part }
            return all
        }
    }

    static func format(_ duration: Duration) -> String {
        let ms = duration.fractionalMilliseconds
        return ms >= 1000 ? String(format: "%.2f s", ms / 1000) : String(format: "%.0f ms", ms)
    }

    static func row(_ columns: String...) -> String {
        let widths = [16, 9, 9, 12, 15, 8, 8, 7]
        return zip(columns, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: " ")
    }
}

/// Draws latencies of a scenario from one seeded generator.
private final class LatencySource: Sendable {
    private let generator: Mutex<SplitMix64>
    private let sample: @Sendable (inout SplitMix64) -> Duration

    init(scenario: HedgingBenchmark.Scenario, seed: UInt64) {
        generator = Mutex(SplitMix64(seed: seed))
        sample = scenario.sample
    }

    func next() -> Duration { generator.withLock { sample(&$0) } }
}

/// Hands out 0, 1, 2, … to concurrent workers.
private final class Ticket: Sendable {
    private let counter = Atomic<Int>(0)

    func take() -> Int { counter.add(1, ordering: .relaxed).oldValue }
}

/// A small, fast, seedable generator (SplitMix64), so runs draw the same latencies.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform() -> Double {
        Double.random(in: 0..<1, using: &self)
    }

    /// A log-normal draw with the given median and 99th percentile (seconds), capped at 3 × p99.
    mutating func logNormal(p50: Double, p99: Double) -> Duration {
        let sigma = (log(p99) - log(p50)) / 2.326_347_874_040_841
        let normal = (-2 * log(max(uniform(), .ulpOfOne))).squareRoot() * cos(2 * .pi * uniform())
        return .seconds(min(p50 * exp(sigma * normal), 3 * p99))
    }
}
