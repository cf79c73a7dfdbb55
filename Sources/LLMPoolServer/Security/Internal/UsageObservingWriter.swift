import GRPCCore
import LLMPoolProto
import Synchronization

/// The tokens a gRPC call's answer reported, filled in by ``UsageObservingWriter``.
final class UsageRecorder: Sendable {
    private let storage = Mutex<Int?>(nil)

    /// Input plus output tokens of the last answer written; `nil` until one is.
    var tokens: Int? { storage.withLock { $0 } }

    func record(_ usage: Vvtv_Llmpool_V1_Usage) {
        storage.withLock { $0 = Int(usage.inputTokens) + Int(usage.outputTokens) }
    }
}

/// Passes messages through to the call's writer, noting the usage of an `Answer` or of the final
/// `AnswerChunk`.
struct UsageObservingWriter<Element: Sendable>: RPCWriterProtocol {
    let base: RPCWriter<Element>
    let usage: UsageRecorder

    func write(_ element: Element) async throws {
        observe(element)
        try await base.write(element)
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
        for element in elements { try await write(element) }
    }

    private func observe(_ element: Element) {
        if let answer = element as? Vvtv_Llmpool_V1_Answer {
            usage.record(answer.usage)
        } else if let chunk = element as? Vvtv_Llmpool_V1_AnswerChunk, case .final(let answer) = chunk.event {
            usage.record(answer.usage)
        }
    }
}
