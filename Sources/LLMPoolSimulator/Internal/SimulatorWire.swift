/// The JSON bodies the simulator reads. Only the fields it uses are declared; the rest are ignored.
enum SimulatorWire {
    /// A chat message; OpenAI's `content` may also be an array of `{"type":"text","text":…}` parts.
    struct Message: Decodable, Sendable {
        var role: String
        var content: String

        private enum CodingKeys: String, CodingKey { case role, content }
        private struct Part: Decodable { var text: String? }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try container.decode(String.self, forKey: .role)
            if let text = try? container.decodeIfPresent(String.self, forKey: .content) {
                content = text
            } else if let parts = try? container.decodeIfPresent([Part].self, forKey: .content) {
                content = parts.compactMap(\.text).joined(separator: "\n")
            } else {
                content = ""
            }
        }
    }

    /// `POST /api/chat` and `POST /api/generate`.
    struct OllamaRequest: Decodable, Sendable {
        struct Options: Decodable, Sendable {
            var numPredict: Int?
            var temperature: Double?
            private enum CodingKeys: String, CodingKey {
                case numPredict = "num_predict"
                case temperature
            }
        }

        var model: String
        var messages: [Message]?
        var prompt: String?
        var system: String?
        var stream: Bool?
        var options: Options?
    }

    /// `POST /v1/chat/completions`.
    struct OpenAIRequest: Decodable, Sendable {
        struct StreamOptions: Decodable, Sendable {
            var includeUsage: Bool?
            private enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
        }

        var model: String
        var messages: [Message]
        var stream: Bool?
        var maxTokens: Int?
        var maxCompletionTokens: Int?
        var streamOptions: StreamOptions?

        private enum CodingKeys: String, CodingKey {
            case model, messages, stream
            case maxTokens = "max_tokens"
            case maxCompletionTokens = "max_completion_tokens"
            case streamOptions = "stream_options"
        }
    }
}

/// One answer, independent of the protocol it is sent in.
struct SimulatedCompletion: Sendable {
    /// The model answering.
    var model: SimulatedModel
    /// Words in the prompt.
    var promptTokens: Int
    /// The answer's words.
    var words: [String]
    /// `stop`, or `length` when the token cap cut the answer.
    var finishReason: String

    /// Builds the answer to a prompt.
    ///
    /// - Parameters:
    ///   - model: The model answering.
    ///   - prompt: The whole prompt text, every message included.
    ///   - maxTokens: The request's cap on generated tokens, if any.
    init(model: SimulatedModel, prompt: String, maxTokens: Int?) {
        self.model = model
        self.promptTokens = AnswerGenerator.words(of: prompt).count
        let full = AnswerGenerator.answer(prompt: prompt, seed: model.seed, count: model.answerTokens)
        if let maxTokens, maxTokens >= 0, maxTokens < full.count {
            words = Array(full.prefix(maxTokens))
            finishReason = "length"
        } else {
            words = full
            finishReason = "stop"
        }
    }

    /// The whole answer text: the words joined by single spaces.
    var text: String { words.joined(separator: " ") }

    /// The pieces a stream sends, in order; concatenated they equal ``text``.
    var pieces: [String] { words.enumerated().map { $0.offset == 0 ? $0.element : " " + $0.element } }
}
