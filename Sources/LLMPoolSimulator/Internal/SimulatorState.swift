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
        case completed, faulted, cancelled, interrupted, abandoned, contextLengthExceeded, toolCall
    }

    /// A queued request's continuation, resumed when it may go in.
    typealias SlotWaiter = CheckedContinuation<Void, any Error>

    private(set) var lifecycle: Lifecycle = .notStarted([])
    private(set) var faults: [String: SimulatorFaults]
    private(set) var behaviors: [String: SimulatorBehavior]
    private var slots: [String: GenerationSlot<SlotWaiter>]
    /// Requests arrived per model, numbering them for ``SimulatorBehavior/interruptsStreams``.
    private var arrivals: [String: Int]
    private var nextSlotWaiterID = 0
    private(set) var stats: SimulatorStats
    /// The latest requests for known models, oldest first, at most ``recentLimit``.
    private(set) var recent: [SimulatedRequest] = []
    /// How many requests ``recent`` keeps.
    static let recentLimit = 256
    private var statsWaiters: [Int: StatsWaiter] = [:]
    private var nextWaiterID = 0

    init(modelNames: [String]) {
        faults = Dictionary(uniqueKeysWithValues: modelNames.map { ($0, SimulatorFaults.none) })
        behaviors = Dictionary(uniqueKeysWithValues: modelNames.map { ($0, SimulatorBehavior.polite) })
        slots = Dictionary(uniqueKeysWithValues: modelNames.map { ($0, GenerationSlot()) })
        arrivals = Dictionary(uniqueKeysWithValues: modelNames.map { ($0, 0) })
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

    /// Counts and keeps a request received for a model; returns its arrival number.
    mutating func recordRequest(_ request: SimulatedRequest) -> (arrival: Int, waiters: [StatsWaiter]) {
        arrivals[request.model, default: 0] += 1
        stats.models[request.model, default: .init()].total += 1
        stats.models[request.model, default: .init()].endpoints[request.endpoint, default: 0] += 1
        if recent.count == Self.recentLimit { recent.removeFirst() }
        recent.append(request)
        return (arrivals[request.model, default: 0], satisfiedWaiters())
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
        case .interrupted: stats.models[model, default: .init()].interrupted += 1
        case .abandoned: stats.models[model, default: .init()].abandoned += 1
        case .contextLengthExceeded: stats.models[model, default: .init()].contextLengthExceeded += 1
        case .toolCall: stats.models[model, default: .init()].toolCalls += 1
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

// MARK: - Slots and behaviors

extension SimulatorState {
    /// Who to resume after a change of the slots, once the lock is released.
    struct Wakeups: Sendable {
        /// Queued requests let in.
        var admitted: [SlotWaiter] = []
        /// Callers of ``ProviderSimulator/waitForStats(_:)`` whose condition now holds.
        var stats: [StatsWaiter] = []
    }

    /// What ``enterSlot(_:model:waiter:)`` did.
    enum SlotEntry: Sendable {
        /// The request went in; its waiter is not kept.
        case admitted
        /// The request waits under this id.
        case queued(Int)
    }

    // MARK: Behaviors

    /// Replaces a model's behavior and lets in whoever it now allows; `nil` for an unknown model.
    mutating func setBehavior(_ behavior: SimulatorBehavior, for model: String) -> Wakeups? {
        guard behaviors[model] != nil else { return nil }
        behaviors[model] = behavior
        var slot = slots[model, default: GenerationSlot()]
        let admitted = slot.admitWaiting(singleSlot: behavior.singleSlot)
        return store(slot, of: model, admitted: admitted)
    }

    /// Whether a stream that arrived as number `arrival` must stop: the model interrupts streams
    /// and a later request has arrived.
    func isInterrupted(model: String, arrival: Int) -> Bool {
        guard behaviors[model]?.interruptsStreams == true else { return false }
        return arrivals[model, default: 0] > arrival
    }

    // MARK: Slots

    /// Lets a request in, or queues it with `waiter` (counted as queued, or as a blocked listing,
    /// which also counts as an arrival for ``SimulatorBehavior/interruptsStreams``).
    mutating func enterSlot(_ kind: GenerationSlot<SlotWaiter>.Kind, model: String, waiter: SlotWaiter) -> (
        SlotEntry, Wakeups
    ) {
        var slot = slots[model, default: GenerationSlot()]
        guard !slot.tryEnter(kind, singleSlot: singleSlot(model)) else {
            return (.admitted, store(slot, of: model, admitted: []))
        }
        nextSlotWaiterID += 1
        slot.enqueue(id: nextSlotWaiterID, kind: kind, waiter: waiter)
        switch kind {
        case .generation:
            stats.models[model, default: .init()].queued += 1
        case .listing:
            stats.models[model, default: .init()].blockedListings += 1
            arrivals[model, default: 0] += 1
        }
        return (.queued(nextSlotWaiterID), store(slot, of: model, admitted: []))
    }

    /// Ends a generation that ran for `busy`; lets in the next waiters.
    mutating func leaveSlot(model: String, busy: Duration) -> Wakeups {
        stats.models[model, default: .init()].busyTime += busy
        var slot = slots[model, default: GenerationSlot()]
        let admitted = slot.leave(singleSlot: singleSlot(model))
        return store(slot, of: model, admitted: admitted)
    }

    /// Takes a waiter that gave up out of its queue; `nil` when it was let in meanwhile.
    mutating func removeSlotWaiter(id: Int, model: String) -> (SlotWaiter?, Wakeups) {
        var slot = slots[model, default: GenerationSlot()]
        let removed = slot.remove(id: id)
        return (removed, store(slot, of: model, admitted: []))
    }

    private func singleSlot(_ model: String) -> Bool {
        behaviors[model]?.singleSlot ?? false
    }

    /// Keeps a model's changed slot and mirrors it in the stats.
    private mutating func store(_ slot: GenerationSlot<SlotWaiter>, of model: String, admitted: [SlotWaiter]) -> Wakeups
    {
        slots[model] = slot
        var counters = stats.models[model, default: .init()]
        counters.generating = slot.generating
        counters.waiting = slot.waitingGenerations
        counters.maxConcurrentGenerations = slot.maxGenerating
        stats.models[model] = counters
        return Wakeups(admitted: admitted, stats: satisfiedWaiters())
    }
}
