import Foundation
import Hummingbird

/// OpenAI's `/v1/chat/completions` answers: one `chat.completion` object, or server-sent events of
/// `chat.completion.chunk` objects ending with `data: [DONE]`.
/// See https://platform.openai.com/docs/api-reference/chat.
struct OpenAIDialect: SimulatorDialect {
    /// Whether the stream ends with a usage chunk (`stream_options.include_usage`).
    var includeUsage: Bool
    /// The completion id, the same in every chunk.
    var id: String = "chatcmpl-sim-\(UInt64.random(in: 0...UInt64.max))"
    /// The request's arrival, in Unix seconds.
    var created: Int = Int(Date.now.timeIntervalSince1970)

    var streamContentType: String { "text/event-stream" }

    private struct ErrorBody: Encodable {
        struct Detail: Encodable {
            var message: String
            var type: String
            var param: String?
            var code: String?
        }
        var error: Detail
    }

    private struct Message: Encodable {
        var role: String?
        var content: String?
        var toolCalls: [ToolCall]?
        /// Whether a missing `content` is written as null (a tool-call message), not left out.
        var nullContent = false

        private enum CodingKeys: String, CodingKey {
            case role, content
            case toolCalls = "tool_calls"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(role, forKey: .role)
            if nullContent {
                try container.encode(content, forKey: .content)
            } else {
                try container.encodeIfPresent(content, forKey: .content)
            }
            try container.encodeIfPresent(toolCalls, forKey: .toolCalls)
        }
    }

    /// A tool call in a message, or a piece of one in a stream's delta (`index` set, and `id`,
    /// `type` and `function.name` in the first piece only).
    private struct ToolCall: Encodable {
        struct Function: Encodable {
            var name: String?
            var arguments: String
        }
        var index: Int?
        var id: String?
        var type: String?
        var function: Function
    }

    private struct Choice: Encodable {
        var index = 0
        var message: Message?
        var delta: Message?
        var finishReason: String?

        private enum CodingKeys: String, CodingKey {
            case index, message, delta
            case finishReason = "finish_reason"
        }

        // `finish_reason` is written as null, not left out, while a stream is running.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encodeIfPresent(message, forKey: .message)
            try container.encodeIfPresent(delta, forKey: .delta)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    private struct Usage: Encodable {
        var promptTokens: Int
        var completionTokens: Int
        var totalTokens: Int

        private enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case totalTokens = "total_tokens"
        }
    }

    private struct Completion: Encodable {
        var id: String
        var object: String
        var created: Int
        var model: String
        var choices: [Choice]
        var usage: Usage?
    }

    /// The error `type` OpenAI uses for a status.
    static func errorType(status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        case 400..<500: "invalid_request_error"
        default: "server_error"
        }
    }

    func errorBody(status: Int, message: String) -> ByteBuffer {
        SimulatorJSON.buffer(
            ErrorBody(
                error: .init(
                    message: message,
                    type: Self.errorType(status: status),
                    code: status == 404 ? "model_not_found" : nil
                )
            )
        )
    }

    // The wording of OpenAI's (and vLLM's) answer to an over-long request.
    func contextLengthExceededBody(limit: Int, promptTokens: Int, maxTokens: Int) -> ByteBuffer {
        let message =
            "This model's maximum context length is \(limit) tokens. However, you requested "
            + "\(promptTokens + maxTokens) tokens (\(promptTokens) in the messages, \(maxTokens) in the completion). "
            + "Please reduce the length of the messages or completion."
        return SimulatorJSON.buffer(
            ErrorBody(
                error: .init(
                    message: message,
                    type: "invalid_request_error",
                    param: "messages",
                    code: "context_length_exceeded"
                )
            )
        )
    }

    func completeBody(_ completion: SimulatedCompletion, elapsed: Duration) -> ByteBuffer {
        let message: Message
        if let call = completion.toolCall {
            let toolCall = ToolCall(
                id: call.id,
                type: "function",
                function: .init(name: call.name, arguments: call.argumentsJSON)
            )
            message = Message(role: "assistant", toolCalls: [toolCall], nullContent: true)
        } else {
            message = Message(role: "assistant", content: completion.text)
        }
        return SimulatorJSON.buffer(
            Completion(
                id: id,
                object: "chat.completion",
                created: created,
                model: completion.model.name,
                choices: [Choice(message: message, finishReason: completion.finishReason)],
                usage: usage(of: completion)
            )
        )
    }

    func streamStart(_ completion: SimulatedCompletion) -> ByteBuffer? {
        guard let call = completion.toolCall else {
            return event(chunk(completion, choices: [Choice(delta: Message(role: "assistant", content: ""))]))
        }
        // As OpenAI streams a call: the first delta names it, with empty arguments.
        let opening = ToolCall(index: 0, id: call.id, type: "function", function: .init(name: call.name, arguments: ""))
        let delta = Message(role: "assistant", toolCalls: [opening], nullContent: true)
        return event(chunk(completion, choices: [Choice(delta: delta)]))
    }

    func streamChunks(_ completion: SimulatedCompletion) -> [ByteBuffer] {
        guard let call = completion.toolCall else {
            return completion.pieces.map { event(chunk(completion, choices: [Choice(delta: Message(content: $0))])) }
        }
        return call.argumentPieces.map { piece in
            let delta = Message(toolCalls: [ToolCall(index: 0, function: .init(arguments: piece))])
            return event(chunk(completion, choices: [Choice(delta: delta)]))
        }
    }

    // llama-cpp-python ends an interrupted stream with `[DONE]` and no finish_reason chunk.
    func streamInterruption(_ completion: SimulatedCompletion) -> ByteBuffer? {
        ByteBuffer(string: "data: [DONE]\n\n")
    }

    func streamEnd(_ completion: SimulatedCompletion, elapsed: Duration) -> ByteBuffer {
        var buffer = event(
            chunk(completion, choices: [Choice(delta: Message(), finishReason: completion.finishReason)])
        )
        if includeUsage {
            // The usage chunk has an empty `choices`, as OpenAI sends it.
            var usageChunk = chunk(completion, choices: [])
            usageChunk.usage = usage(of: completion)
            var usageEvent = event(usageChunk)
            buffer.writeBuffer(&usageEvent)
        }
        buffer.writeString("data: [DONE]\n\n")
        return buffer
    }

    var malformedChunk: ByteBuffer { ByteBuffer(string: "data: {\"id\": \"sim\", \"choices\": [<<not json>>\n\n") }

    private func chunk(_ completion: SimulatedCompletion, choices: [Choice]) -> Completion {
        Completion(
            id: id,
            object: "chat.completion.chunk",
            created: created,
            model: completion.model.name,
            choices: choices
        )
    }

    private func usage(of completion: SimulatedCompletion) -> Usage {
        Usage(
            promptTokens: completion.promptTokens,
            completionTokens: completion.completionTokens,
            totalTokens: completion.promptTokens + completion.completionTokens
        )
    }

    private func event(_ chunk: Completion) -> ByteBuffer {
        var buffer = ByteBuffer(string: "data: ")
        var json = SimulatorJSON.buffer(chunk)
        buffer.writeBuffer(&json)
        buffer.writeString("\n\n")
        return buffer
    }
}
