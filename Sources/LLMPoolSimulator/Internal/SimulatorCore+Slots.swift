import Hummingbird
import ServiceLifecycle
import Synchronization

extension SimulatorCore {
    /// A generation holding its model's slot, from ``enterGeneration(model:client:)`` to ``leave(_:)``.
    struct SlotTicket: Sendable {
        /// The model generating.
        var model: String
        /// When the generation took the slot.
        var started: ContinuousClock.Instant
    }

    /// Takes the model's slot for a generation, waiting in line under ``SimulatorBehavior/singleSlot``.
    ///
    /// - Throws: ``ClientDisconnected`` when the client leaves while waiting (the request left
    ///   the queue), `CancellationError` when the task is cancelled.
    func enterGeneration(model: String, client: ClientWatch) async throws -> SlotTicket {
        try await client.cancellingOnDisconnect { try await self.enter(.generation, model: model) }
        return SlotTicket(model: model, started: .now)
    }

    /// Gives the slot back, adding the generation's time to the model's busy time.
    func leave(_ ticket: SlotTicket) {
        let busy = ticket.started.duration(to: .now)
        resume(state.withLock { $0.leaveSlot(model: ticket.model, busy: busy) })
    }

    /// Whether a stream that arrived as number `arrival` must stop
    /// (``SimulatorBehavior/interruptsStreams``).
    func isInterrupted(model: String, arrival: Int) -> Bool {
        state.withLock { $0.isInterrupted(model: model, arrival: arrival) }
    }

    /// Answers a listing once every model that ``SimulatorBehavior/blocksListings`` has no
    /// generation running, watching the client meanwhile.
    ///
    /// - Throws: `CancellationError` when the client leaves first.
    func listing(_ request: Request, _ response: @Sendable () -> Response) async throws -> Response {
        let blocking = state.withLock { state in state.behaviors.filter(\.value.blocksListings).keys.sorted() }
        guard !blocking.isEmpty else { return response() }
        return try await ClientWatch.watching(request, if: true) { client in
            do {
                for model in blocking {
                    try await client.cancellingOnDisconnect { try await self.enter(.listing, model: model) }
                }
            } catch is ClientDisconnected {
                throw CancellationError()
            }
            var answer = response()
            answer.headers[.connection] = "close"
            return answer
        }
    }

    /// Goes in, or waits in the model's queue until let in.
    ///
    /// - Throws: `CancellationError` when cancelled while waiting (the waiter leaves the queue).
    private func enter(_ kind: GenerationSlot<SimulatorState.SlotWaiter>.Kind, model: String) async throws {
        let registration = Mutex(WaitRegistration.pending)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: SimulatorState.SlotWaiter) in
                let (entry, wakeups) = state.withLock { $0.enterSlot(kind, model: model, waiter: continuation) }
                resume(wakeups)
                switch entry {
                case .admitted:
                    continuation.resume()
                case .queued(let id):
                    // Cancelled before registering: whoever removes the waiter resumes it, once.
                    if registration.withLock({ $0.register(id) }) { giveUp(id: id, model: model) }
                }
            }
        } onCancel: {
            if let id = registration.withLock({ $0.cancel() }) { giveUp(id: id, model: model) }
        }
    }

    private func giveUp(id: Int, model: String) {
        let (waiter, wakeups) = state.withLock { $0.removeSlotWaiter(id: id, model: model) }
        resume(wakeups)
        waiter?.resume(throwing: CancellationError())
    }

    /// Lets in the admitted waiters and resumes the stats waiters, outside the lock.
    func resume(_ wakeups: SimulatorState.Wakeups) {
        for waiter in wakeups.admitted { waiter.resume() }
        resume(wakeups.stats)
    }

    /// Sleeps until `deadline` whatever the client does (an abandoned generation), ending early
    /// only on a graceful shutdown or cancellation, so that a simulator still stops promptly.
    static func sleepAbandoned(until deadline: ContinuousClock.Instant) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(until: deadline, clock: .continuous) }
    }
}
