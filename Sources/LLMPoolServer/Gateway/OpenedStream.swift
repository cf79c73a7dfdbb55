import LLMPoolCore

/// A streamed call admitted and prepared by ``Gateway/openStream(_:)``: the door can now send
/// its status line and run ``Gateway/stream(_:onEvent:)``.
public struct OpenedStream: Sendable {
    let admission: Admission
    let prepared: PreparedStream
    let started: ContinuousClock.Instant
}
