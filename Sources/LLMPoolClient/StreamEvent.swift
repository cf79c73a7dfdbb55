import LLMPoolProto

/// One event of a streamed answer: ``started(provider:model:)`` first, ``delta(_:)``s in order,
/// ``final(_:)`` last.
public enum StreamEvent: Sendable, Equatable {
    /// Who is answering.
    case started(provider: String, model: String)
    /// A piece of the generated text.
    case delta(String)
    /// The complete answer, with usage and the ensemble decision.
    case final(Vvtv_Llmpool_V1_Answer)

    /// The event of an `AnswerChunk`; `nil` for a chunk with no event set.
    public init?(_ chunk: Vvtv_Llmpool_V1_AnswerChunk) {
        switch chunk.event {
        case .started(let started): self = .started(provider: started.provider, model: started.model)
        case .delta(let text): self = .delta(text)
        case .final(let answer): self = .final(answer)
        case nil: return nil
        }
    }
}

/// The events of a stream of `AnswerChunk`s (from SSE over HTTP, or from an `InferStream` RPC).
public struct AnswerEvents<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable
where Base.Element == Vvtv_Llmpool_V1_AnswerChunk {
    public typealias Element = StreamEvent

    let base: Base

    /// Iterates the events.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator

        public mutating func next() async throws -> StreamEvent? {
            while let chunk = try await base.next() {
                if let event = StreamEvent(chunk) { return event }
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }
}
