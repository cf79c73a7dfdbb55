/// Who generates now for one model, and who waits, in arrival order: the state machine behind
/// ``SimulatorBehavior/singleSlot`` and ``SimulatorBehavior/blocksListings``, apart from any I/O.
/// `Waiter` is what a queued request is resumed through (a continuation in the simulator, a plain
/// value in tests).
///
/// The rules, applied with the model's behavior at each step (so changing it mid-run takes effect
/// at the next arrival or departure):
/// - A generation goes ahead at once without a single slot; with one, only when nothing
///   generates and nobody waits ahead of it.
/// - A listing goes ahead only when nothing generates (and, with a single slot, nobody waits ahead
///   of it). It never occupies the slot itself.
struct GenerationSlot<Waiter: Sendable>: Sendable {
    /// What a request wants the slot for.
    enum Kind: Sendable, Hashable {
        /// An answer, which occupies the slot while it runs.
        case generation
        /// A model listing, which only waits for the slot to be free.
        case listing
    }

    private struct Entry: Sendable {
        var id: Int
        var kind: Kind
        var waiter: Waiter
    }

    /// Generations running now.
    private(set) var generating = 0
    /// The most generations that ran at once.
    private(set) var maxGenerating = 0
    private var queue: [Entry] = []

    /// Generations waiting now.
    var waitingGenerations: Int { queue.count(where: { $0.kind == .generation }) }

    /// Lets a request in now if the rules allow; false means it must wait (``enqueue(id:kind:waiter:)``).
    mutating func tryEnter(_ kind: Kind, singleSlot: Bool) -> Bool {
        switch kind {
        case .generation:
            guard !singleSlot || (generating == 0 && queue.isEmpty) else { return false }
            start()
        case .listing:
            guard generating == 0, !singleSlot || queue.isEmpty else { return false }
        }
        return true
    }

    /// Queues a request that may not go in yet.
    mutating func enqueue(id: Int, kind: Kind, waiter: Waiter) {
        queue.append(Entry(id: id, kind: kind, waiter: waiter))
    }

    /// Ends a generation; returns the waiters that may go in now (generations among them count as
    /// generating already).
    mutating func leave(singleSlot: Bool) -> [Waiter] {
        precondition(generating > 0, "GenerationSlot.leave without a running generation")
        generating -= 1
        return admitWaiting(singleSlot: singleSlot)
    }

    /// Removes a waiter that gave up; `nil` when it was let in (or never queued).
    mutating func remove(id: Int) -> Waiter? {
        guard let index = queue.firstIndex(where: { $0.id == id }) else { return nil }
        return queue.remove(at: index).waiter
    }

    /// Lets in every waiter the rules allow now, in arrival order; returns them.
    mutating func admitWaiting(singleSlot: Bool) -> [Waiter] {
        var admitted: [Waiter] = []
        var index = 0
        while index < queue.count {
            switch queue[index].kind {
            case .generation:
                if singleSlot, generating > 0 { return admitted }
                start()
            case .listing where generating > 0:
                // Without a single slot nothing queues behind a listing; with one, everyone does.
                if singleSlot { return admitted }
                index += 1
                continue
            case .listing:
                break
            }
            admitted.append(queue.remove(at: index).waiter)
        }
        return admitted
    }

    private mutating func start() {
        generating += 1
        maxGenerating = max(maxGenerating, generating)
    }
}
