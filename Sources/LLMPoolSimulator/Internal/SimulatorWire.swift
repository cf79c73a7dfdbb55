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
        /// Tools offered (`/api/chat` only), in the OpenAI shape.
        var tools: [Tool]?
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
        var tools: [Tool]?
        var toolChoice: ToolChoice?

        private enum CodingKeys: String, CodingKey {
            case model, messages, stream, tools
            case maxTokens = "max_tokens"
            case maxCompletionTokens = "max_completion_tokens"
            case streamOptions = "stream_options"
            case toolChoice = "tool_choice"
        }
    }

    /// A tool offered to the model: `{"type": "function", "function": {"name": …, "parameters": {…}}}`.
    struct Tool: Decodable, Sendable {
        struct Function: Decodable, Sendable {
            var name: String
            /// The JSON schema of the arguments, read only for its property names; a schema of
            /// another shape reads as none.
            var parameters: Parameters?

            private enum CodingKeys: String, CodingKey { case name, parameters }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                name = try container.decode(String.self, forKey: .name)
                parameters = try? container.decodeIfPresent(Parameters.self, forKey: .parameters)
            }
        }

        /// The parts of a JSON schema the simulator reads.
        struct Parameters: Decodable, Sendable {
            var required: [String]?
            var propertyNames: [String]

            private enum CodingKeys: String, CodingKey { case required, properties }
            /// Any JSON value, skipped.
            private struct Skipped: Decodable {
                init(from decoder: any Decoder) throws {}
            }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                required = try? container.decodeIfPresent([String].self, forKey: .required)
                let properties = try? container.decodeIfPresent([String: Skipped].self, forKey: .properties)
                propertyNames = (properties ?? [:]).keys.sorted()
            }
        }

        var function: Function
    }

    /// OpenAI's `tool_choice`: `"none"`, `"auto"`, `"required"` or `{"type": "function", "function": {"name": …}}`.
    enum ToolChoice: Decodable, Sendable {
        case none
        case any
        case named(String)

        private struct Named: Decodable {
            struct Function: Decodable { var name: String }
            var function: Function
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let mode = try? container.decode(String.self) {
                self = mode == "none" ? .none : .any
            } else {
                self = .named(try container.decode(Named.self).function.name)
            }
        }
    }
}
