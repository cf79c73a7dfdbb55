/// The state of a ``BatchSpanProcessor`` behind its mutex: the bounded span queue, the run phase,
/// and flush requests.
struct BatchQueue {
    enum Phase {
        /// `run()` has not started: spans queue up, `forceFlush()` exports inline.
        case idle
        /// The export loop is running and wakes on `wakeup`.
        case running(wakeup: AsyncStream<Void>.Continuation)
        /// Shutdown: the loop is exporting what is left.
        case draining
        /// The exporter is shut down: spans are dropped.
        case finished
    }

    enum FlushRegistration {
        case registered(wakeup: AsyncStream<Void>.Continuation?)
        case notRunning
    }

    let maxQueueSize: Int
    let maxExportBatchSize: Int
    private(set) var phase = Phase.idle
    private(set) var spans: [FinishedSpan] = []
    private var flushRequested = false
    private var batchSignalled = false
    private var flushWaiters: [CheckedContinuation<Bool, Never>] = []

    init(maxQueueSize: Int, maxExportBatchSize: Int) {
        self.maxQueueSize = maxQueueSize
        self.maxExportBatchSize = maxExportBatchSize
        spans.reserveCapacity(min(maxQueueSize, 4096))
    }

    /// Queues a span; returns whether it was accepted, and the loop to wake when a batch is now full.
    mutating func append(_ span: FinishedSpan) -> (accepted: Bool, wake: AsyncStream<Void>.Continuation?) {
        if case .finished = phase { return (false, nil) }
        guard spans.count < maxQueueSize else { return (false, nil) }
        spans.append(span)
        guard spans.count >= maxExportBatchSize, !batchSignalled, case .running(let wakeup) = phase else {
            return (true, nil)
        }
        batchSignalled = true
        return (true, wakeup)
    }

    /// Marks that everything queued should be exported soon; returns the loop to wake.
    mutating func requestFlush() -> AsyncStream<Void>.Continuation? {
        guard case .running(let wakeup) = phase else { return nil }
        flushRequested = true
        return wakeup
    }

    /// Adds a caller waiting for a flush, unless no loop will ever resume it.
    mutating func addFlushWaiter(_ waiter: CheckedContinuation<Bool, Never>) -> FlushRegistration {
        switch phase {
        case .idle, .finished:
            return .notRunning
        case .running(let wakeup):
            flushWaiters.append(waiter)
            flushRequested = true
            return .registered(wakeup: wakeup)
        case .draining:
            flushWaiters.append(waiter)
            return .registered(wakeup: nil)
        }
    }

    /// Starts the loop; `false` if it had already started.
    mutating func start(wakeup: AsyncStream<Void>.Continuation) -> Bool {
        guard case .idle = phase else { return false }
        phase = .running(wakeup: wakeup)
        return true
    }

    /// What the loop should do when woken: export everything (a flush or the schedule asked) or
    /// only full batches, and whom to resume afterwards.
    mutating func takeWork() -> (exportAll: Bool, waiters: [CheckedContinuation<Bool, Never>]) {
        defer {
            flushRequested = false
            batchSignalled = false
            flushWaiters = []
        }
        return (flushRequested, flushWaiters)
    }

    /// Removes and returns up to `limit` of the oldest spans, or up to a batch by default.
    mutating func takeBatch(limit: Int? = nil, onlyIfFull: Bool = false) -> [FinishedSpan] {
        let size = min(limit ?? maxExportBatchSize, maxExportBatchSize, spans.count)
        guard size > 0, !onlyIfFull || size == maxExportBatchSize else { return [] }
        let batch = Array(spans.prefix(size))
        spans.removeFirst(size)
        return batch
    }

    mutating func beginDraining() {
        phase = .draining
    }

    /// Ends the processor's life; returns the flush waiters to resume.
    mutating func finish() -> [CheckedContinuation<Bool, Never>] {
        phase = .finished
        defer { flushWaiters = [] }
        return flushWaiters
    }
}
