import Synchronization

/// llm-pool's metrics: counters, gauges and histograms by name, rendered for `/metrics` in the
/// Prometheus text format or OpenMetrics, and read in-process (recent latency quantiles) to score
/// providers for routing.
///
/// Register families once, look series up once, and keep the handles: observations are atomic
/// operations on the series, with no registry-wide lock.
///
/// ```swift
/// let registry = MetricsRegistry()
/// let calls = registry.counter(
///     name: "llm_pool_provider_calls_total", help: "Provider calls by outcome.",
///     labelNames: ["provider", "outcome"]
/// )
/// let latency = registry.histogram(
///     name: "llm_pool_provider_latency_seconds", help: "Provider call latency.",
///     unit: "seconds", labelNames: ["provider"]
/// )
/// let phiOK = calls.labels("phi3-mini", "ok")
/// let phiLatency = latency.labels("phi3-mini")
///
/// phiOK.increment()
/// phiLatency.observe(0.42)
/// let p95 = phiLatency.quantile(0.95, window: .seconds(60))   // for routing
///
/// let format = MetricsRegistry.contentType(forAccept: request.headers[.accept])
/// let body = registry.render(format: format)                  // Content-Type: format.contentType
/// ```
public final class MetricsRegistry: Sendable {
    /// Registry-wide settings.
    public struct Configuration: Sendable {
        /// Series a family may hold before new label sets fold into the `other` series; families
        /// may set their own. Default 1,000. (No TOML key yet.)
        public var seriesLimit: Int
        /// How far back histograms keep bucket counts for `quantile(_:window:)` and
        /// `count(window:)`. Default 60 s. (No TOML key yet.)
        public var recentWindow: Duration
        /// Time slices the recent window is cut into; the window slides by one slice at a time.
        /// Default 6. (No TOML key yet.)
        public var recentWindowSlices: Int

        /// Creates a configuration.
        public init(seriesLimit: Int = 1_000, recentWindow: Duration = .seconds(60), recentWindowSlices: Int = 6) {
            self.seriesLimit = seriesLimit
            self.recentWindow = recentWindow
            self.recentWindowSlices = recentWindowSlices
        }

        /// 1,000 series per family; a 60 s window in 6 slices.
        public static var defaults: Configuration { Configuration() }
    }

    /// Bucket bounds for LLM call latencies, in seconds: 5 ms to 2 minutes.
    public static let llmLatencyBuckets: [Double] = [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120,
    ]

    /// The Prometheus client libraries' default buckets (5 ms to 10 s).
    public static let defaultBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// The name of the counter of label sets folded into `other`, labelled by `metric`.
    public static let overflowMetricName = "llm_pool_metric_series_overflow_total"

    let configuration: Configuration
    let window: RecentWindow
    private let families = Mutex<[String: any RegisteredFamily]>([:])
    private let collectors = Mutex<[@Sendable () -> Void]>([])
    private let overflow: CounterFamily

    /// Creates an empty registry.
    ///
    /// - Parameters:
    ///   - configuration: Series limit and recent-window settings.
    ///   - now: The clock read by histograms' recent window; tests pass a manual one.
    public init(
        configuration: Configuration = .defaults,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.configuration = configuration
        window = RecentWindow(window: configuration.recentWindow, slices: configuration.recentWindowSlices, now: now)
        let overflow = CounterFamily(
            descriptor: FamilyDescriptor(
                name: Self.overflowMetricName,
                help: "Label sets folded into the 'other' series because a metric reached its series limit.",
                // One series per metric name: bounded by the code, not by traffic.
                kind: .counter,
                unit: nil,
                labelNames: ["metric"],
                seriesLimit: .max
            ),
            onOverflow: nil
        )
        self.overflow = overflow
        // Rendering skips families without series, so this appears only after an overflow.
        families.withLock { $0[Self.overflowMetricName] = overflow }
    }

    /// Registers a counter, or returns the one already registered under `name`.
    ///
    /// - Parameters:
    ///   - name: The metric name, by convention ending in `_total` (`llm_pool_requests_total`).
    ///   - help: One line saying what it counts.
    ///   - unit: The unit (`seconds`, `bytes`); the name without `_total` must end with `_unit`.
    ///   - labelNames: The label names; series are then picked with `labels(_:)`.
    ///   - seriesLimit: Series before folding into `other`; `nil` takes the registry's.
    /// - Returns: The family. Registering a name again with another type, unit or label names is a
    ///   programmer error and stops the process.
    public func counter(
        name: String,
        help: String,
        unit: String? = nil,
        labelNames: [String] = [],
        seriesLimit: Int? = nil
    ) -> CounterFamily {
        let descriptor = FamilyDescriptor(
            name: name,
            help: help,
            kind: .counter,
            unit: unit,
            labelNames: labelNames,
            seriesLimit: seriesLimit ?? configuration.seriesLimit
        )
        return required(
            register(descriptor) { CounterFamily(descriptor: descriptor, onOverflow: overflowRecorder(for: name)) },
            name
        )
    }

    /// Registers a gauge, or returns the one already registered under `name`.
    ///
    /// - Parameters:
    ///   - name: The metric name (`llm_pool_in_flight_requests`).
    ///   - help: One line saying what it measures.
    ///   - unit: The unit; the name must end with `_unit`.
    ///   - labelNames: The label names.
    ///   - seriesLimit: Series before folding into `other`; `nil` takes the registry's.
    /// - Returns: The family. Registering a name again with another shape stops the process.
    public func gauge(
        name: String,
        help: String,
        unit: String? = nil,
        labelNames: [String] = [],
        seriesLimit: Int? = nil
    ) -> GaugeFamily {
        let descriptor = FamilyDescriptor(
            name: name,
            help: help,
            kind: .gauge,
            unit: unit,
            labelNames: labelNames,
            seriesLimit: seriesLimit ?? configuration.seriesLimit
        )
        return required(
            register(descriptor) { GaugeFamily(descriptor: descriptor, onOverflow: overflowRecorder(for: name)) },
            name
        )
    }

    /// Registers a histogram, or returns the one already registered under `name`.
    ///
    /// - Parameters:
    ///   - name: The metric name, in base units (`llm_pool_request_duration_seconds`).
    ///   - help: One line saying what it measures.
    ///   - unit: The unit; the name must end with `_unit`.
    ///   - labelNames: The label names (`le` is reserved).
    ///   - buckets: Finite upper bounds, strictly increasing; a trailing `+Inf` is implied.
    ///     Default `llmLatencyBuckets`.
    ///   - seriesLimit: Series before folding into `other`; `nil` takes the registry's.
    /// - Returns: The family. Registering a name again with another shape (buckets included)
    ///   stops the process.
    public func histogram(
        name: String,
        help: String,
        unit: String? = nil,
        labelNames: [String] = [],
        buckets: [Double] = MetricsRegistry.llmLatencyBuckets,
        seriesLimit: Int? = nil
    ) -> HistogramFamily {
        let bounds = buckets.last == .infinity ? Array(buckets.dropLast()) : buckets
        precondition(!bounds.isEmpty, "histogram \(name) needs at least one finite bucket")
        precondition(bounds.allSatisfy(\.isFinite), "histogram \(name) has a non-finite bucket bound")
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "histogram \(name) buckets must increase")
        let descriptor = FamilyDescriptor(
            name: name,
            help: help,
            kind: .histogram,
            unit: unit,
            labelNames: labelNames,
            buckets: bounds,
            seriesLimit: seriesLimit ?? configuration.seriesLimit
        )
        let family = register(descriptor) {
            HistogramFamily(descriptor: descriptor, window: window, onOverflow: overflowRecorder(for: name))
        }
        return required(family, name)
    }

    /// Adds a function run before every render, to refresh metrics kept elsewhere (process
    /// memory, pool sizes). Collectors run in the order added, on the rendering thread.
    public func addCollector(_ collect: @escaping @Sendable () -> Void) {
        collectors.withLock { $0.append(collect) }
    }

    /// The family registered under `descriptor.name`, made by `make` when there is none; `nil`
    /// when the name is taken by a family of another type or shape.
    func register<Family: RegisteredFamily>(_ descriptor: FamilyDescriptor, make: () -> Family) -> Family? {
        families.withLock { families in
            if let existing = families[descriptor.name] {
                guard let typed = existing as? Family, existing.descriptor.shape == descriptor.shape else { return nil }
                return typed
            }
            let family = make()
            families[descriptor.name] = family
            return family
        }
    }

    /// Every family, ordered by name, after running the collectors.
    func collect() -> [any RegisteredFamily] {
        for collect in collectors.withLock({ $0 }) { collect() }
        return families.withLock { Array($0.values) }.sorted { $0.descriptor.name < $1.descriptor.name }
    }

    private func required<Family>(_ family: Family?, _ name: String) -> Family {
        guard let family else {
            preconditionFailure("metric \(name) is already registered with another type, unit, label names or buckets")
        }
        return family
    }

    func overflowRecorder(for name: String) -> @Sendable () -> Void {
        let overflow = self.overflow
        return { overflow.labels(name).increment() }
    }
}
