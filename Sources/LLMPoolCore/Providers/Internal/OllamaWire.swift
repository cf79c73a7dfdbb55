/// The JSON of Ollama's API that the provider sends and reads.
/// See https://github.com/ollama/ollama/blob/main/docs/api.md.
enum OllamaWire {
    /// `options`: generation parameters.
    struct Options: Encodable, Sendable {
        var numPredict: Int
        var temperature: Double

        private enum CodingKeys: String, CodingKey {
            case numPredict = "num_predict"
            case temperature
        }
    }

    /// `POST /api/chat`.
    struct ChatRequest: Encodable, Sendable {
        var model: String
        var messages: [ChatMessage]
        var stream: Bool
        var options: Options
    }

    /// `POST /api/generate`.
    struct GenerateRequest: Encodable, Sendable {
        var model: String
        var prompt: String
        var system: String?
        var stream: Bool
        var options: Options
    }

    /// One answer object, or one NDJSON line of a streamed answer, of either endpoint.
    struct Chunk: Decodable, Sendable {
        struct Message: Decodable, Sendable {
            var content: String?
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
