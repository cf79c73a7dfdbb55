/// Where one cancellable wait is, to resolve its race with cancellation: the waiter registers
/// under an id once it is queued, while a cancellation handler may run before, during or after.
/// Whoever removes the waiter from its queue resumes it, exactly once.
enum WaitRegistration: Sendable {
    /// Not queued yet.
    case pending
    /// Queued under this id.
    case registered(Int)
    /// Cancelled; a later registration must remove its waiter itself.
    case cancelled

    /// Records the waiter's id; returns true when the wait was cancelled already, in which case
    /// the caller removes the waiter and resumes it.
    mutating func register(_ id: Int) -> Bool {
        if case .cancelled = self { return true }
        self = .registered(id)
        return false
    }

    /// Marks the wait cancelled; returns the id to remove, if the waiter is queued.
    mutating func cancel() -> Int? {
        defer { self = .cancelled }
        if case .registered(let id) = self { return id }
        return nil
    }
}
