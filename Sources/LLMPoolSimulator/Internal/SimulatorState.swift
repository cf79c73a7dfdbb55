/// The mutable state of a running simulator, kept behind one `Mutex` by ``SimulatorCore``.
struct SimulatorState: Sendable {
    /// Where the server is in its life.
    enum Lifecycle: Sendable {
        /// ``ProviderSimulator/run()`` not called yet; callers wait for the port here.
        case notStarted([CheckedContinuation<Int, any Error>])
        /// Binding its port; callers wait for the port here.
        case starting([CheckedContinuation<Int, any Error>])
        /// Listening on this port.
        case running(port: Int)
        /// Stopped, or failed to start.
        case stopped
    }

    /// A caller of ``ProviderSimulator/waitForStats(_:)``.
    struct StatsWaiter: Sendable {
        var predicate: @Sendable (SimulatorStats) -> Bool
        var continuation: CheckedContinuation<SimulatorStats, any Error>
    }

    /// What happened to one request, for the counters.
    enum Outcome: Sendable {
        case completed, faulted, cancelled
    }

    private(set) var lifecycle: Lifecycle = .notStarted([])
    private(set) var faults: [String: SimulatorFaults]
    private(set) var stats: SimulatorStats
    /// The latest requests for known models, oldest first, at most ``recentLimit``.
    private(set) var recent: [SimulatedRequest] = []
    /// How many requests ``recent`` keeps.
    static let recentLimit = 256
    private var statsWaiters: [Int: StatsWaiter] = [:]
    private var nextWaiterID = 0

    init(modelNames: [String]) {
        faults = Dictionary(uniqueKeysWithValues: modelNames.map { ($0, SimulatorFaults.none) })
        stats = SimulatorStats(
            models: Dictionary(uniqueKeysWithValues: modelNames.map { ($0, SimulatorStats.Model()) })
        )
    }

    // MARK: Lifecycle

    /// Claims the right to run; false when the simulator ran before: it runs once.
    mutating func markStarting() -> Bool {
        guard case .notStarted(let waiters) = lifecycle else { return false }
        lifecycle = .starting(waiters)
        return true
    }

    /// Records the bound port; returns the callers to resume with it.
    mutating func markRunning(port: Int) -> [CheckedContinuation<Int, any Error>] {
        guard case .starting(let waiters) = lifecycle else { return [] }
        lifecycle = .running(port: port)
        return waiters
    }

    /// Records the end of the server; returns the callers still waiting for a port.
    mutating func markStopped() -> [CheckedContinuation<Int, any Error>] {
        defer { lifecycle = .stopped }
        switch lifecycle {
        case .notStarted(let waiters), .starting(let waiters): return waiters
        case .running, .stopped: return []
        }
    }

    /// Returns the port, or registers a caller to be told it.
    mutating func port(orWait continuation: CheckedContinuation<Int, any Error>) -> Result<Int, SimulatorError>? {
        switch lifecycle {
        case .running(let port):
            return .success(port)
        case .stopped:
            return .failure(SimulatorError(code: .notRunning, message: "the simulator has stopped"))
        case .notStarted(var waiters):
            waiters.append(continuation)
            lifecycle = .notStarted(waiters)
            return nil
        case .starting(var waiters):
            waiters.append(continuation)
            lifecycle = .starting(waiters)
            return nil
        }
    }

    /// The bound port, if running.
    var port: Int? {
        if case .running(let port) = lifecycle { return port }
        return nil
    }

    // MARK: Faults

    /// Replaces a model's faults; false when the model is unknown.
    mutating func setFaults(_ newFaults: SimulatorFaults, for model: String) -> Bool {
        guard faults[model] != nil else { return false }
        faults[model] = newFaults
        return true
    }

    // MARK: Counters

    /// Counts and keeps a request received for a model.
    mutating func recordRequest(_ request: SimulatedRequest) -> [StatsWaiter] {
        stats.models[request.model, default: .init()].total += 1
        stats.models[request.model, default: .init()].endpoints[request.endpoint, default: 0] += 1
        if recent.count == Self.recentLimit { recent.removeFirst() }
        recent.append(request)
        return satisfiedWaiters()
    }

    /// Counts a request for a model the simulator does not serve.
    mutating func recordUnknownModel() -> [StatsWaiter] {
        stats.unknownModel += 1
        return satisfiedWaiters()
    }

    /// Counts how a request ended.
    mutating func record(_ outcome: Outcome, model: String) -> [StatsWaiter] {
        switch outcome {
        case .completed: stats.models[model, default: .init()].completed += 1
        case .faulted: stats.models[model, default: .init()].faulted += 1
        case .cancelled: stats.models[model, default: .init()].cancelled += 1
        }
        return satisfiedWaiters()
    }

    // MARK: Waiting for counters

    /// What ``addWaiter(_:)`` did.
    enum WaiterRegistration: Sendable {
        /// The stats already satisfy the condition.
        case satisfied(SimulatorStats)
        /// The waiter waits under this id.
        case registered(Int)
        /// The simulator has stopped; the stats will not change.
        case stopped
    }

    /// Registers a waiter unless the stats already satisfy it or the simulator has stopped.
    mutating func addWaiter(_ waiter: StatsWaiter) -> WaiterRegistration {
        if waiter.predicate(stats) { return .satisfied(stats) }
        if case .stopped = lifecycle { return .stopped }
        nextWaiterID += 1
        statsWaiters[nextWaiterID] = waiter
        return .registered(nextWaiterID)
    }

    /// Removes a waiter, returning it if it was still waiting.
    mutating func removeWaiter(id: Int) -> StatsWaiter? {
        statsWaiters.removeValue(forKey: id)
    }

    /// Removes and returns every waiter, to fail them when the simulator stops.
    mutating func removeAllWaiters() -> [StatsWaiter] {
        defer { statsWaiters.removeAll() }
        return Array(statsWaiters.values)
    }

    private mutating func satisfiedWaiters() -> [StatsWaiter] {
        guard !statsWaiters.isEmpty else { return [] }
        let ready = statsWaiters.filter { $0.value.predicate(stats) }
        for id in ready.keys { statsWaiters.removeValue(forKey: id) }
        return Array(ready.values)
    }
}
