import LLMPoolCore
import Synchronization

/// Records the events of a streamed answer, for `Orchestrator.stream(_:onEvent:)` handlers.
final class EventLog: Sendable {
    private let events = Mutex<[AnswerStreamEvent]>([])

    /// Records `event`.
    func append(_ event: AnswerStreamEvent) { events.withLock { $0.append(event) } }

    /// The events so far, in order.
    var all: [AnswerStreamEvent] { events.withLock { $0 } }

    /// The text of the deltas so far.
    var deltas: [String] { all.compactMap { if case .delta(let text) = $0 { text } else { nil } } }
}
