/// The JSON of Ollama's API that the provider reads (``OllamaTranslation`` builds what it sends).
/// See https://github.com/ollama/ollama/blob/main/docs/api.md.
enum OllamaWire {
    /// One answer object, or one NDJSON line of a streamed answer, of either endpoint.
    struct Chunk: Decodable, Sendable {
        struct Message: Decodable, Sendable {
            var content: String?
            /// `[{"function": {"name": …, "arguments": {…}}}]`: the arguments are an object.
            var toolCalls: [ToolCall]?

            private enum CodingKeys: String, CodingKey {
                case content
                case toolCalls = "tool_calls"
            }
        }

        struct ToolCall: Decodable, Sendable {
            struct Function: Decodable, Sendable {
                var name: String
                var arguments: JSONValue?
            }
            var id: String?
            var function: Function
        }

        var model: String?
        /// `/api/chat`.
        var message: Message?
        /// `/api/generate`.
        var response: String?
        var done: Bool?
        var doneReason: String?
        var promptEvalCount: Int?
        var evalCount: Int?
        /// Set instead of the rest when generation failed mid-stream.
        var error: String?

        private enum CodingKeys: String, CodingKey {
            case model, message, response, done, error
            case doneReason = "done_reason"
            case promptEvalCount = "prompt_eval_count"
            case evalCount = "eval_count"
        }

        /// The text this chunk carries, from whichever endpoint.
        var text: String? { message?.content ?? response }
    }

    /// `GET /api/tags`.
    struct Tags: Decodable, Sendable {
        struct Model: Decodable, Sendable {
            var name: String
            var model: String?
        }
        var models: [Model]
    }
}
