import LLMPoolCore
import LLMPoolObservability

extension ConsoleStateBuilder {
    /// Per-provider series of the families the provider section reads, grouped once.
    private struct ProviderSeries {
        var latency: [String: [HistogramSeries]] = [:]
        var ttft: [String: [HistogramSeries]] = [:]
        var outputTokens: [String: Double] = [:]
        var inFlight: [String: Double] = [:]
        var scores: [String: [ConsoleState.TaskValue]] = [:]

        init(_ metrics: PoolMetrics) {
            for series in metrics.providerLatency.series { latency[series.labelValues[0], default: []].append(series) }
            for series in metrics.providerTimeToFirstToken.series {
                ttft[series.labelValues[0], default: []].append(series)
            }
            for series in metrics.tokens.series where series.labelValues[2] == "output" {
                outputTokens[series.labelValues[0], default: 0] += series.value
            }
            for series in metrics.providerInflight.series { inFlight[series.labelValues[0]] = series.value }
            for series in metrics.providerScore.series {
                let value = ConsoleState.TaskValue(task: series.labelValues[1], value: series.value)
                scores[series.labelValues[0], default: []].append(value)
            }
        }
    }

    func providers(
        snapshot: PoolSnapshot,
        statuses: [ProviderHealthMonitor.Status],
        recent: [RecentDecision],
        now: ContinuousClock.Instant
    ) -> [ConsoleState.Provider] {
        let metrics = orchestrator.telemetry.metrics
        let configuration = snapshot.configuration
        let window = configuration.telemetry.recentWindow
        let grouped = ProviderSeries(metrics)
        let hedges = Self.hedges(in: recent)
        let breakers = orchestrator.resilience.breakers
        let policy = orchestrator.resilience.hedgePolicy
        let fastestTasks = configuration.tasks.values.filter { $0.strategy == .fastest }.sorted { $0.name < $1.name }
        let bounds = metrics.providerLatency.buckets
        return snapshot.providers.map { provider in
            let name = provider.name
            let status = statuses.first { $0.provider == name }
            let breaker = breakers.snapshot(of: name)
            let latency = grouped.latency[name] ?? []
            var recentCounts = [UInt64](repeating: 0, count: bounds.count + 1)
            var totalCounts = recentCounts
            var latencySum = 0.0
            for series in latency {
                for (index, count) in series.recentCounts(window: window).enumerated() { recentCounts[index] &+= count }
                let totals = series.totals
                for (index, count) in totals.counts.enumerated() { totalCounts[index] &+= count }
                latencySum += totals.sum
            }
            var ttftCounts = [UInt64](repeating: 0, count: bounds.count + 1)
            for series in grouped.ttft[name] ?? [] {
                for (index, count) in series.recentCounts(window: window).enumerated() { ttftCounts[index] &+= count }
            }
            let tokens = grouped.outputTokens[name] ?? 0
            let delays = fastestTasks.filter { $0.providers.contains(name) }.map { task in
                ConsoleState.TaskValue(
                    task: task.name,
                    value: policy.delay(for: provider, task: task.name, configuration: configuration.qos.hedging)
                        .fractionalMilliseconds.rounded()
                )
            }
            return ConsoleState.Provider(
                name: name,
                model: provider.model,
                healthy: status?.health.healthy ?? false,
                healthDetail: status?.health.detail ?? "not probed yet",
                breaker: .init(
                    state: breaker.state.description,
                    calls: breaker.calls,
                    failures: breaker.failures,
                    consecutiveFailures: breaker.consecutiveFailures,
                    history: breakers.history.transitions(of: name).map {
                        .init(
                            from: $0.from.description,
                            to: $0.to.description,
                            agoMs: max(0, $0.at.duration(to: now).fractionalMilliseconds.rounded())
                        )
                    }
                ),
                scores: (grouped.scores[name] ?? []).sorted { $0.task < $1.task },
                hedgeDelayMs: delays,
                inFlight: grouped.inFlight[name] ?? 0,
                p50Ms: Self.quantileMs(0.5, recentCounts, bounds),
                p95Ms: Self.quantileMs(0.95, recentCounts, bounds),
                ttftP50Ms: Self.quantileMs(0.5, ttftCounts, metrics.providerTimeToFirstToken.buckets),
                tokensPerSecond: latencySum > 0 && tokens > 0 ? (tokens / latencySum * 10).rounded() / 10 : nil,
                hedges: hedges[name] ?? .init(fired: 0, won: 0),
                latencyBuckets: totalCounts
            )
        }
    }

    /// Hedged calls per provider in the recent decisions: with `hedges_fired` = h, the calls
    /// made after the first, up to h of them, were the hedges (FASTEST asks in order).
    static func hedges(in recent: [RecentDecision]) -> [String: ConsoleState.ProviderHedges] {
        var result: [String: ConsoleState.ProviderHedges] = [:]
        for record in recent {
            guard let decision = record.decision, decision.hedgesFired > 0 else { continue }
            let asked = decision.candidates.filter { $0.outcome != .skipped }
            for candidate in asked.dropFirst().prefix(decision.hedgesFired) {
                var entry = result[candidate.provider] ?? .init(fired: 0, won: 0)
                entry.fired += 1
                if candidate.outcome == .won { entry.won += 1 }
                result[candidate.provider] = entry
            }
        }
        return result
    }
}
