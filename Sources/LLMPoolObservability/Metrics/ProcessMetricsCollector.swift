/// The standard `process_*` metrics of the Prometheus client libraries, read from `/proc/self`
/// on Linux before each render (elsewhere they stay absent):
/// `process_resident_memory_bytes`, `process_virtual_memory_bytes`, `process_cpu_seconds_total`,
/// `process_open_fds`, `process_max_fds` and `process_start_time_seconds`.
///
/// ```swift
/// ProcessMetricsCollector.install(on: registry)
/// ```
public final class ProcessMetricsCollector: Sendable {
    private let residentMemory: GaugeFamily
    private let virtualMemory: GaugeFamily
    private let cpuSeconds: CounterFamily
    private let openFileDescriptors: GaugeFamily
    private let maxFileDescriptors: GaugeFamily
    private let startTime: GaugeFamily
    /// Seconds since the Unix epoch at which the process started; read once.
    private let startTimeSeconds: Double?

    /// Registers the process metrics on `registry`; call `collect()` to update them, or use
    /// `install(on:)` to have every render do it.
    public init(registry: MetricsRegistry) {
        residentMemory = registry.gauge(
            name: "process_resident_memory_bytes",
            help: "Resident memory size in bytes.",
            unit: "bytes"
        )
        virtualMemory = registry.gauge(
            name: "process_virtual_memory_bytes",
            help: "Virtual memory size in bytes.",
            unit: "bytes"
        )
        cpuSeconds = registry.counter(
            name: "process_cpu_seconds_total",
            help: "Total user and system CPU time spent in seconds.",
            unit: "seconds"
        )
        openFileDescriptors = registry.gauge(name: "process_open_fds", help: "Number of open file descriptors.")
        maxFileDescriptors = registry.gauge(name: "process_max_fds", help: "Maximum number of open file descriptors.")
        startTime = registry.gauge(
            name: "process_start_time_seconds",
            help: "Start time of the process since unix epoch in seconds.",
            unit: "seconds"
        )
        if let stat = ProcSelf.read("/proc/self/stat").flatMap(ProcSelf.parseStat),
            let boot = ProcSelf.read("/proc/stat").flatMap(ProcSelf.parseBootTime)
        {
            startTimeSeconds = boot + Double(stat.startTicks) / ProcSelf.clockTicksPerSecond
        } else {
            startTimeSeconds = nil
        }
    }

    /// Registers the process metrics on `registry` and refreshes them before every render.
    ///
    /// - Returns: The collector (it stays registered whether or not it is kept).
    @discardableResult
    public static func install(on registry: MetricsRegistry) -> ProcessMetricsCollector {
        let collector = ProcessMetricsCollector(registry: registry)
        registry.addCollector { collector.collect() }
        return collector
    }

    /// Reads `/proc/self` and updates the metrics.
    public func collect() {
        if let stat = ProcSelf.read("/proc/self/stat").flatMap(ProcSelf.parseStat) {
            residentMemory.labels().set(Double(stat.residentPages) * ProcSelf.pageSize)
            virtualMemory.labels().set(Double(stat.virtualBytes))
            cpuSeconds.labels().set(Double(stat.cpuTicks) / ProcSelf.clockTicksPerSecond)
        }
        if let open = ProcSelf.openFileDescriptors() {
            openFileDescriptors.labels().set(Double(open))
        }
        if let limits = ProcSelf.read("/proc/self/limits"), let max = ProcSelf.parseMaxOpenFiles(limits) {
            maxFileDescriptors.labels().set(max)
        }
        if let startTimeSeconds {
            startTime.labels().set(startTimeSeconds)
        }
    }
}
