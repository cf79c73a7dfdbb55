import Synchronization

/// The caller's handler of a streamed answer, remembering what it threw: an error from the
/// handler means the client went away, which is neither a provider failure nor a pool failure.
final class EventSink: Sendable {
    private let handler: @Sendable (AnswerStreamEvent) async throws -> Void
    private let thrown = Mutex<(any Error)?>(nil)

    init(_ handler: @escaping @Sendable (AnswerStreamEvent) async throws -> Void) {
        self.handler = handler
    }

    /// Hands `event` to the handler and waits until it has taken it.
    /// - Throws: What the handler threw (remembered as ``failure``).
    func send(_ event: AnswerStreamEvent) async throws {
        do {
            try await handler(event)
        } catch {
            thrown.withLock { $0 = $0 ?? error }
            throw error
        }
    }

    /// The first error the handler threw, if any.
    var failure: (any Error)? { thrown.withLock { $0 } }
}
