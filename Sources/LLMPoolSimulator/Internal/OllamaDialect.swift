import Foundation
import Hummingbird
import LLMPoolObservability

/// Ollama's `/api/chat` and `/api/generate` answers: NDJSON when streaming, one object otherwise.
/// See https://github.com/ollama/ollama/blob/main/docs/api.md.
struct OllamaDialect: SimulatorDialect {
    /// Which endpoint is answering: chat answers carry `message`, generate answers `response`.
    enum Endpoint: String, Sendable {
        case chat = "/api/chat"
        case generate = "/api/generate"
    }

    var endpoint: Endpoint
    /// The request's arrival, reported as `created_at`.
    var createdAt: String = Date.now.formatted(.iso8601)

    var streamContentType: String { "application/x-ndjson" }

    private struct Error: Encodable { var error: String }

    private struct Message: Encodable {
        var role = "assistant"
        var content: String
    }

    private struct Chunk: Encodable {
        var model: String
        var createdAt: String
        var message: Message?
        var response: String?
        var done: Bool
        var doneReason: String?
        var totalDuration: Int64?
        var loadDuration: Int64?
        var promptEvalCount: Int?
        var promptEvalDuration: Int64?
        var evalCount: Int?
        var evalDuration: Int64?

        private enum CodingKeys: String, CodingKey {
            case model, message, response, done
            case createdAt = "created_at"
            case doneReason = "done_reason"
            case totalDuration = "total_duration"
            case loadDuration = "load_duration"
            case promptEvalCount = "prompt_eval_count"
            case promptEvalDuration = "prompt_eval_duration"
            case evalCount = "eval_count"
            case evalDuration = "eval_duration"
        }
    }

    func errorBody(status: Int, message: String) -> ByteBuffer {
        SimulatorJSON.buffer(Error(error: message))
    }

    func completeBody(_ completion: SimulatedCompletion, elapsed: Duration) -> ByteBuffer {
        SimulatorJSON.buffer(final(completion, text: completion.text, elapsed: elapsed))
    }

    func streamChunk(_ piece: String, of completion: SimulatedCompletion) -> ByteBuffer {
        line(chunk(completion, text: piece, done: false))
    }

    func streamEnd(_ completion: SimulatedCompletion, elapsed: Duration) -> ByteBuffer {
        line(final(completion, text: "", elapsed: elapsed))
    }

    var malformedChunk: ByteBuffer { ByteBuffer(string: "{\"model\": \"simulated\", \"message\": <<not json>>\n") }

    private func chunk(_ completion: SimulatedCompletion, text: String, done: Bool) -> Chunk {
        Chunk(
            model: completion.model.name,
            createdAt: createdAt,
            message: endpoint == .chat ? Message(content: text) : nil,
            response: endpoint == .generate ? text : nil,
            done: done
        )
    }

    private func final(_ completion: SimulatedCompletion, text: String, elapsed: Duration) -> Chunk {
        var chunk = chunk(completion, text: text, done: true)
        let total = elapsed.nanoseconds
        chunk.doneReason = completion.finishReason
        chunk.totalDuration = total
        chunk.loadDuration = 0
        chunk.promptEvalCount = completion.promptTokens
        chunk.promptEvalDuration = total / 10
        chunk.evalCount = completion.words.count
        chunk.evalDuration = total - total / 10
        return chunk
    }

    private func line(_ chunk: Chunk) -> ByteBuffer {
        var buffer = SimulatorJSON.buffer(chunk)
        buffer.writeString("\n")
        return buffer
    }
}
