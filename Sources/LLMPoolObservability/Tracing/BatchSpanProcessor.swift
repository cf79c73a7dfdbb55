import Logging
import ServiceLifecycle
import Synchronization

/// Queues ended spans and hands them to a ``SpanExporter`` in batches: when a batch is full,
/// every ``Configuration/scheduleDelay``, on ``forceFlush()``, and for everything left on graceful
/// shutdown.
///
/// The queue is bounded: a span ending while it is full is dropped and reported through
/// ``Hooks/onDrop``. Exports run one at a time, each bounded by ``Configuration/exportTimeout``.
/// Run it as a `Service`; place it before the servers in the `ServiceGroup` so it shuts down after
/// them and exports the spans they record while draining.
public final class BatchSpanProcessor: SpanProcessor, Service {
    /// The queue limits and timings.
    public let configuration: Configuration

    private let exporter: any SpanExporter
    private let hooks: Hooks
    private let clock: any Clock<Duration>
    private let logger: Logger
    private let queue: Mutex<BatchQueue>
    private let lastExportFailed = Atomic<Bool>(false)

    /// Creates a processor.
    ///
    /// - Parameters:
    ///   - exporter: Where batches go.
    ///   - configuration: Queue limits and timings.
    ///   - hooks: Callbacks for drops and export results.
    ///   - clock: The clock for the schedule and the export timeout.
    ///   - logger: Where export failures are reported (a warning when exports start failing, at
    ///     debug level while they go on failing).
    public init(
        exporter: any SpanExporter,
        configuration: Configuration = .defaults,
        hooks: Hooks = .init(),
        clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "llm-pool.tracing")
    ) {
        self.exporter = exporter
        self.configuration = configuration
        self.hooks = hooks
        self.clock = clock
        self.logger = logger
        self.queue = Mutex(
            BatchQueue(maxQueueSize: configuration.maxQueueSize, maxExportBatchSize: configuration.maxExportBatchSize)
        )
    }

    /// The number of spans waiting for export.
    public var queuedCount: Int { queue.withLock { $0.spans.count } }

    /// Queues a span, or drops and counts it when the queue is full or the processor has stopped.
    public func onEnd(_ span: FinishedSpan) {
        let (accepted, wake) = queue.withLock { $0.append(span) }
        if !accepted { hooks.onDrop(1) }
        wake?.yield()
    }

    /// Wakes the export loop to export everything queued, without waiting.
    public func requestFlush() {
        queue.withLock { $0.requestFlush() }?.yield()
    }

    /// Exports everything queued now and returns when it has been handed to the exporter.
    ///
    /// While ``run()`` is running the loop does the export; before it starts, the caller's task
    /// does. After shutdown it returns at once.
    public func forceFlush() async {
        let handledByLoop = await withCheckedContinuation { (waiter: CheckedContinuation<Bool, Never>) in
            switch queue.withLock({ $0.addFlushWaiter(waiter) }) {
            case .registered(let wakeup): wakeup?.yield()
            case .notRunning: waiter.resume(returning: false)
            }
        }
        if !handledByLoop {
            await exportQueued(all: true)
        }
    }

    /// Runs the export loop until graceful shutdown or cancellation, then exports what is left and
    /// shuts the exporter down.
    public func run() async throws {
        let (wakeups, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        guard queue.withLock({ $0.start(wakeup: wakeup) }) else {
            preconditionFailure("BatchSpanProcessor.run() called more than once")
        }
        // Spans may have filled a batch before the loop started, when nobody could be woken.
        wakeup.yield()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.tickUntilCancelled() }
            await withGracefulShutdownHandler {
                for await _ in wakeups {
                    let (exportAll, waiters) = queue.withLock { $0.takeWork() }
                    await exportQueued(all: exportAll)
                    for waiter in waiters { waiter.resume(returning: true) }
                }
            } onGracefulShutdown: {
                wakeup.finish()
            }
            group.cancelAll()
        }
        queue.withLock { $0.beginDraining() }
        await exportQueued(all: true)
        await exporter.shutdown()
        for waiter in queue.withLock({ $0.finish() }) {
            waiter.resume(returning: true)
        }
    }

    /// Exports what is queued: everything present now (`all`), or only full batches.
    private func exportQueued(all: Bool) async {
        let limit = all ? queue.withLock { $0.spans.count } : configuration.maxQueueSize
        var remaining = limit
        // Bounded: each pass removes at least one span, and at most `limit` spans are taken.
        while remaining > 0 {
            let batch = queue.withLock { $0.takeBatch(limit: remaining, onlyIfFull: !all) }
            guard !batch.isEmpty else { return }
            remaining -= batch.count
            await export(batch)
        }
    }

    private func export(_ batch: [FinishedSpan]) async {
        let exporter = self.exporter
        do {
            try await withExportTimeout(configuration.exportTimeout, clock: clock) {
                try await exporter.export(batch)
            }
            lastExportFailed.store(false, ordering: .relaxed)
            hooks.onExport(.success, batch.count)
        } catch {
            let firstFailure = !lastExportFailed.exchange(true, ordering: .relaxed)
            logger.log(
                level: firstFailure ? .warning : .debug,
                "span export failed; batch dropped",
                metadata: ["spans": "\(batch.count)", "error": "\(error)"]
            )
            hooks.onExport(.failure(error), batch.count)
        }
    }

    private func tickUntilCancelled() async {
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: configuration.scheduleDelay)
            } catch {
                return
            }
            requestFlush()
        }
    }
}
