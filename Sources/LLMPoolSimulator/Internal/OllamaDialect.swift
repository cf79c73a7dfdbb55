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
    /// Whether the final chunk of a stream carries `prompt_eval_count` and `eval_count`
    /// (off under ``SimulatorBehavior/omitsStreamUsage``).
    var reportsStreamCounts = true
    /// The request's arrival, reported as `created_at`.
    var createdAt: String = Date.now.formatted(.iso8601)

    var streamContentType: String { "application/x-ndjson" }

    private struct Error: Encodable { var error: String }

    private struct Message: Encodable {
        var role = "assistant"
        var content: String
        var toolCalls: [ToolCall]?

        private enum CodingKeys: String, CodingKey {
            case role, content
            case toolCalls = "tool_calls"
        }
    }

    /// `{"function": {"name": …, "arguments": {…}}}`: Ollama's arguments are an object, not text.
    private struct ToolCall: Encodable {
        struct Function: Encodable {
            var name: String
            var arguments: [String: String]
        }
        var function: Function
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

    func contextLengthExceededBody(limit: Int, promptTokens: Int, maxTokens: Int) -> ByteBuffer {
        SimulatorJSON.buffer(
            Error(
                error: "the input of \(promptTokens) tokens plus num_predict \(maxTokens) exceeds "
                    + "the context length of \(limit) tokens"
            )
        )
    }

    func completeBody(_ completion: SimulatedCompletion, elapsed: Duration) -> ByteBuffer {
        var body = final(completion, text: completion.text, elapsed: elapsed, counts: true)
        body.message?.toolCalls = toolCalls(of: completion)
        return SimulatorJSON.buffer(body)
    }

    func streamChunks(_ completion: SimulatedCompletion) -> [ByteBuffer] {
        if let toolCalls = toolCalls(of: completion) {
            // Ollama sends a whole call in one chunk, before the final one.
            var call = chunk(completion, text: "", done: false)
            call.message?.toolCalls = toolCalls
            return [line(call)]
        }
        return completion.pieces.map { line(chunk(completion, text: $0, done: false)) }
    }

    func streamEnd(_ completion: SimulatedCompletion, elapsed: Duration) -> ByteBuffer {
        line(final(completion, text: "", elapsed: elapsed, counts: reportsStreamCounts))
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

    private func final(_ completion: SimulatedCompletion, text: String, elapsed: Duration, counts: Bool) -> Chunk {
        var chunk = chunk(completion, text: text, done: true)
        let total = elapsed.nanoseconds
        // Ollama reports "stop" after a tool call, as after text.
        chunk.doneReason = completion.toolCall == nil ? completion.finishReason : "stop"
        chunk.totalDuration = total
        chunk.loadDuration = 0
        chunk.promptEvalDuration = total / 10
        chunk.evalDuration = total - total / 10
        if counts {
            chunk.promptEvalCount = completion.promptTokens
            chunk.evalCount = completion.completionTokens
        }
        return chunk
    }

    private func toolCalls(of completion: SimulatedCompletion) -> [ToolCall]? {
        guard let call = completion.toolCall else { return nil }
        return [ToolCall(function: .init(name: call.name, arguments: call.arguments))]
    }

    private func line(_ chunk: Chunk) -> ByteBuffer {
        var buffer = SimulatorJSON.buffer(chunk)
        buffer.writeString("\n")
        return buffer
    }
}
