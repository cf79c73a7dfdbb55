import Foundation
import LLMPoolCore
import LLMPoolObservability

/// Computes the ``ConsoleState`` from what the pool already keeps — the metrics registry, the
/// breakers and their history, health results, the SLO tracker, the decision ring and the
/// configuration in force — when it is asked for, and only then.
///
/// Each metric family is read once, its series grouped by label values; nothing is created in
/// the registry by reading it.
///
/// ```swift
/// let builder = ConsoleStateBuilder(components: components)
/// let state = await builder.state()
/// let json = try ConsoleStateBuilder.encoder.encode(state)
/// ```
public struct ConsoleStateBuilder: Sendable {
    /// The codes that count as the pool's own failures, as the SLO counts them.
    static let serverErrorCodes: Set<String> = ["unavailable", "deadline_exceeded", "upstream_failed", "internal"]

    let orchestrator: Orchestrator
    let monitor: ProviderHealthMonitor
    let console: Console
    /// Wall-clock time, for the ISO 8601 instants of the answer.
    let wallClock: @Sendable () -> Date

    /// Creates a builder over a pool's components.
    public init(components: PoolComponents, wallClock: @escaping @Sendable () -> Date = { Date() }) {
        self.init(
            orchestrator: components.orchestrator,
            monitor: components.monitor,
            console: components.console,
            wallClock: wallClock
        )
    }

    init(
        orchestrator: Orchestrator,
        monitor: ProviderHealthMonitor,
        console: Console,
        wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.orchestrator = orchestrator
        self.monitor = monitor
        self.console = console
        self.wallClock = wallClock
    }

    /// The encoder of the admin JSON: snake_case keys, fractional-second instants as strings.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }

    /// The decoder matching ``encoder`` (for clients and tests).
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    /// The state now.
    public func state() async -> ConsoleState {
        let snapshot = orchestrator.snapshot
        let configuration = snapshot.configuration
        let now = orchestrator.clock.now
        let wallNow = wallClock()
        let statuses = await monitor.statuses(for: snapshot.providers)
        let recent = console.decisions?.recent() ?? []
        let metrics = orchestrator.telemetry.metrics
        return ConsoleState(
            version: 1,
            generatedAt: Self.iso8601(wallNow),
            uptimeSeconds: console.startedAt.duration(to: now).seconds,
            pool: pool(metrics: metrics, window: configuration.telemetry.recentWindow, now: now),
            providers: providers(snapshot: snapshot, statuses: statuses, recent: recent, now: now),
            latencyBucketBoundsMs: metrics.providerLatency.buckets.map { $0 * 1000 },
            slos: slos(),
            configuration: ConfigurationSummary.entries(configuration),
            lastReload: console.reloads.outcome.map {
                .init(result: $0.result, at: Self.iso8601($0.at), errors: $0.errors)
            },
            console: .init(
                showInputs: console.configuration.showInputs,
                decisions: console.configuration.decisions,
                traceLink: console.configuration.traceLink
            )
        )
    }

    /// The most recent decisions, newest first.
    /// - Parameters:
    ///   - limit: At most this many.
    ///   - after: Only those with a larger sequence number.
    public func decisions(limit: Int = .max, after: UInt64 = 0) -> [DecisionView] {
        guard let ring = console.decisions else { return [] }
        let now = orchestrator.clock.now
        let wallNow = wallClock()
        let link = console.configuration.traceLink
        return ring.recent(limit: limit, after: after).map { DecisionView($0, now: now, wallNow: wallNow, link: link) }
    }

    private func pool(metrics: PoolMetrics, window: Duration, now: ContinuousClock.Instant) -> ConsoleState.Pool {
        // A pool younger than its window has seen traffic for less time than that.
        let seconds = max(1, min(window.seconds, console.startedAt.duration(to: now).seconds))
        let bounds = metrics.requestDuration.buckets
        // Grouped by (task, api), strategies merged.
        var groups: [String: (task: String, api: String, counts: [UInt64])] = [:]
        for series in metrics.requestDuration.series {
            let (api, task) = (series.labelValues[0], series.labelValues[1])
            let counts = series.recentCounts(window: window)
            let key = task + "\u{0}" + api
            if let existing = groups[key] {
                groups[key]?.counts = zip(existing.counts, counts).map { $0 &+ $1 }
            } else {
                groups[key] = (task, api, counts)
            }
        }
        let latency = groups.values.sorted { ($0.task, $0.api) < ($1.task, $1.api) }.map { group in
            ConsoleState.TaskLatency(
                task: group.task,
                api: group.api,
                requestsPerSecond: Double(group.counts.reduce(0, &+)) / seconds,
                p50Ms: Self.quantileMs(0.5, group.counts, bounds),
                p95Ms: Self.quantileMs(0.95, group.counts, bounds),
                p99Ms: Self.quantileMs(0.99, group.counts, bounds)
            )
        }
        var requests = 0.0
        var errors = 0.0
        for series in metrics.requests.series {
            requests += series.value
            if Self.serverErrorCodes.contains(series.labelValues[3]) { errors += series.value }
        }
        var hits = 0.0
        var misses = 0.0
        for series in metrics.cacheRequests.series {
            switch series.labelValues[1] {
            case "hit": hits += series.value
            case "miss": misses += series.value
            default: break
            }
        }
        return ConsoleState.Pool(
            windowSeconds: seconds,
            requestsPerSecond: latency.reduce(0) { $0 + $1.requestsPerSecond },
            requestsTotal: requests,
            serverErrorsTotal: errors,
            errorRatio: console.sampler.errorRatio(at: now, requests: requests, errors: errors, window: window),
            inFlight: metrics.inflightRequests.series.reduce(0) { $0 + $1.value },
            cache: .init(hits: hits, misses: misses, hitRatio: hits + misses > 0 ? hits / (hits + misses) : nil),
            latency: latency,
            hedges: hedges(metrics)
        )
    }

    private func hedges(_ metrics: PoolMetrics) -> [ConsoleState.TaskHedges] {
        var byTask: [String: ConsoleState.TaskHedges] = [:]
        for series in metrics.hedges.series {
            let task = series.labelValues[0]
            var entry = byTask[task] ?? .init(task: task, fired: 0, won: 0, budgetDenied: 0)
            switch series.labelValues[1] {
            case "fired": entry.fired += series.value
            case "won": entry.won += series.value
            case "budget_denied": entry.budgetDenied += series.value
            default: break
            }
            byTask[task] = entry
        }
        return byTask.values.sorted { $0.task < $1.task }
    }

    private func slos() -> [ConsoleState.SLO] {
        guard let tracker = orchestrator.telemetry.slo else { return [] }
        return tracker.objectives.values.sorted { $0.task < $1.task }.flatMap { objective in
            ServiceLevelObjective.Indicator.allCases.map { indicator in
                ConsoleState.SLO(
                    slo: objective.label(indicator),
                    task: objective.task,
                    indicator: indicator.rawValue,
                    target: indicator == .availability ? objective.availabilityTarget : objective.latencyTarget,
                    errorBudgetRemaining: tracker.budgetRemaining(task: objective.task, indicator: indicator),
                    windows: SLOTracker.windows.map { window in
                        let threshold = BurnRateAlerts.threshold(window: window.label)
                        return ConsoleState.BurnWindow(
                            window: window.label,
                            burnRate: tracker.burnRate(
                                task: objective.task,
                                indicator: indicator,
                                window: window.duration
                            ),
                            threshold: threshold.burnRate,
                            alert: threshold.alert,
                            severity: threshold.severity
                        )
                    }
                )
            }
        }
    }

    static func quantileMs(_ q: Double, _ counts: [UInt64], _ bounds: [Double]) -> Double? {
        HistogramSeries.quantile(q, counts: counts, upperBounds: bounds).map { ($0 * 1000 * 100).rounded() / 100 }
    }

    static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
