import Synchronization

/// The caller's handler of a streamed answer, remembering what it threw: an error from the
/// handler means the client went away, which is neither a provider failure nor a pool failure.
final class EventSink: Sendable {
    private let handler: @Sendable (AnswerStreamEvent) async throws -> Void
    private let thrown = Mutex<(any Error)?>(nil)
    /// The provider that started the stream and the pieces sent since.
    private let progress = Mutex<(provider: String?, pieces: Int)>((nil, 0))

    init(_ handler: @escaping @Sendable (AnswerStreamEvent) async throws -> Void) {
        self.handler = handler
    }

    /// Hands `event` to the handler and waits until it has taken it.
    /// - Throws: What the handler threw (remembered as ``failure``).
    func send(_ event: AnswerStreamEvent) async throws {
        switch event {
        case .started(let provider, _): progress.withLock { $0.provider = provider }
        case .delta, .fragment: progress.withLock { $0.pieces += 1 }
        case .completed: break
        }
        do {
            try await handler(event)
        } catch {
            thrown.withLock { $0 = $0 ?? error }
            throw error
        }
    }

    /// How far the stream got, for the message of a deadline that cut it: `nil` before it started.
    var stalledNote: String? {
        let (provider, pieces) = progress.withLock { $0 }
        guard let provider else { return nil }
        return "provider '\(provider)' stalled after \(pieces) piece\(pieces == 1 ? "" : "s") of its answer"
    }

    /// The first error the handler threw, if any.
    var failure: (any Error)? { thrown.withLock { $0 } }
}
