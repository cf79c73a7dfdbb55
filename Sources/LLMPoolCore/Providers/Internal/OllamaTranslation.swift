/// Translates an OpenAI-shaped ``ProviderRequest`` into Ollama's `/api/chat` and `/api/generate`
/// bodies, and Ollama's tool calls back into the OpenAI shape. What Ollama cannot honour is
/// refused with `invalidArgument` naming the field, never dropped.
///
/// | OpenAI | Ollama |
/// | --- | --- |
/// | `max_tokens` / `max_completion_tokens`, `temperature` | `options.num_predict`, `options.temperature` |
/// | `stop`, `seed`, `top_p`, `presence_penalty`, `frequency_penalty` | the same names in `options` |
/// | `top_k`, `min_p`, `repeat_penalty` (llama.cpp and vLLM extensions) | the same names in `options` |
/// | `response_format` `json_object` / `json_schema` | `format: "json"` / `format: <schema>` |
/// | `tools`, `tool_choice: "auto"` / `"none"` | `tools` (`/api/chat` only) / no tools |
/// | `image_url` parts with `data:` URLs | the message's `images` (base64) |
/// | assistant `tool_calls` (arguments as JSON text) | `tool_calls` (arguments as an object) |
/// | tool message `tool_call_id` | `tool_name` (the name of the call it answers) |
/// | `user`, `metadata`, `store`, a message's `name`; members that are `null` | not sent (inert) |
/// | `logprobs`, `top_logprobs`, `n` > 1, `logit_bias`, a forced `tool_choice` | refused |
/// | `parallel_tool_calls: false`, other image URLs, `input_audio`, anything else | refused |
enum OllamaTranslation {
    /// Options with the same name and meaning in Ollama's `options`.
    static let samplingOptions: Set<String> = [
        "seed", "top_p", "presence_penalty", "frequency_penalty", "top_k", "min_p", "repeat_penalty",
    ]
    /// Members that change nothing Ollama does, so leaving them out loses nothing.
    static let inert: Set<String> = ["user", "metadata", "store", "max_completion_tokens"]

    /// The body of `POST /api/chat`.
    /// - Throws: ``PoolError`` `invalidArgument` naming the field Ollama cannot honour.
    static func chatBody(
        model: String,
        request: ProviderRequest,
        stream: Bool,
        keepAlive: String?,
        provider: String
    ) throws -> JSONValue {
        var body = try common(model: model, request: request, stream: stream, keepAlive: keepAlive, provider: provider)
        var toolNames: [String: String] = [:]
        var messages: [JSONValue] = []
        for (index, message) in request.messages.enumerated() {
            messages.append(try chatMessage(message, at: index, toolNames: &toolNames, provider: provider))
        }
        body["messages"] = .array(messages)
        if let tools = try tools(request.options, provider: provider) { body["tools"] = tools }
        return .object(body)
    }

    /// The body of `POST /api/generate`: the conversation flattened into `system` and `prompt`
    /// (``OllamaProvider/flatten(_:)``), images gathered from every message.
    /// - Throws: ``PoolError`` `invalidArgument` naming the field Ollama cannot honour: tools and
    ///   tool calls need `/api/chat`.
    static func generateBody(
        model: String,
        request: ProviderRequest,
        stream: Bool,
        keepAlive: String?,
        provider: String
    ) throws -> JSONValue {
        var body = try common(model: model, request: request, stream: stream, keepAlive: keepAlive, provider: provider)
        if try tools(request.options, provider: provider) != nil {
            throw refusal("tools", "tools need endpoint = \"chat\"", provider: provider)
        }
        var images: [JSONValue] = []
        for (index, message) in request.messages.enumerated() {
            if !message.toolCalls.isEmpty {
                throw refusal(
                    "messages[\(index)].tool_calls",
                    "tool calls need endpoint = \"chat\"",
                    provider: provider
                )
            }
            var ignored: [String: String] = [:]
            let translated = try chatMessage(message, at: index, toolNames: &ignored, provider: provider)
            images += translated["images"]?.arrayValue ?? []
        }
        let (system, prompt) = OllamaProvider.flatten(request.messages)
        body["prompt"] = .string(prompt)
        if let system { body["system"] = .string(system) }
        if !images.isEmpty { body["images"] = .array(images) }
        return .object(body)
    }

    /// What both endpoints share: the model, streaming, `keep_alive`, `options` and `format`.
    private static func common(
        model: String,
        request: ProviderRequest,
        stream: Bool,
        keepAlive: String?,
        provider: String
    ) throws -> [String: JSONValue] {
        var options: [String: JSONValue] = [
            "num_predict": .integer(Int64(request.maxTokens)),
            "temperature": .double(request.temperature),
        ]
        var body: [String: JSONValue] = ["model": .string(model), "stream": .bool(stream)]
        if let keepAlive { body["keep_alive"] = .string(keepAlive) }
        for (name, value) in request.options where !value.isNull && !inert.contains(name) {
            switch name {
            case _ where samplingOptions.contains(name):
                options[name] = value
            case "stop":
                switch value {
                case .string: options["stop"] = [value]
                case .array: options["stop"] = value
                default: throw refusal("stop", "stop must be a string or a list of strings", provider: provider)
                }
            case "response_format":
                if let format = try format(value, provider: provider) { body["format"] = format }
            case "tools", "tool_choice":
                break  // see tools(_:provider:)
            case "n":
                guard value.intValue == 1 else {
                    throw refusal("n", "Ollama answers one choice (n = 1)", provider: provider)
                }
            case "logprobs":
                guard value == false else {
                    throw refusal("logprobs", "Ollama returns no log probabilities", provider: provider)
                }
            case "top_logprobs":
                throw refusal("top_logprobs", "Ollama returns no log probabilities", provider: provider)
            case "logit_bias":
                guard value.objectValue?.isEmpty == true else {
                    throw refusal("logit_bias", "Ollama has no logit bias", provider: provider)
                }
            case "parallel_tool_calls":
                guard value == true else {
                    throw refusal("parallel_tool_calls", "Ollama cannot be held to one tool call", provider: provider)
                }
            default:
                throw refusal(name, "Ollama has no equivalent", provider: provider)
            }
        }
        body["options"] = .object(options)
        return body
    }

    /// `format` for a `response_format`: `"json"`, a schema, or none for `text`.
    private static func format(_ value: JSONValue, provider: String) throws -> JSONValue? {
        switch value["type"]?.stringValue {
        case "text"?: return nil
        case "json_object"?: return "json"
        case "json_schema"?:
            guard let schema = value["json_schema"]?["schema"], schema.objectValue != nil else {
                throw refusal(
                    "response_format.json_schema.schema",
                    "a json_schema format needs a schema object",
                    provider: provider
                )
            }
            return schema
        default:
            throw refusal("response_format.type", "Ollama takes text, json_object or json_schema", provider: provider)
        }
    }

    /// `tools` as Ollama takes them (the OpenAI shape), or none: absent, empty or
    /// `tool_choice: "none"`.
    private static func tools(_ options: [String: JSONValue], provider: String) throws -> JSONValue? {
        switch options["tool_choice"] {
        case nil, .null?, "auto"?: break
        case "none"?: return nil
        default:
            throw refusal("tool_choice", "Ollama cannot be made to call a tool; only auto and none", provider: provider)
        }
        guard let tools = options["tools"], !tools.isNull else { return nil }
        guard let list = tools.arrayValue else { throw refusal("tools", "tools must be a list", provider: provider) }
        return list.isEmpty ? nil : tools
    }

    /// One `/api/chat` message. `toolNames` maps the ids of the tool calls seen so far to their
    /// function names, so a tool message's `tool_call_id` can name the tool it answers.
    private static func chatMessage(
        _ message: ChatMessage,
        at index: Int,
        toolNames: inout [String: String],
        provider: String
    ) throws -> JSONValue {
        let path = "messages[\(index)]"
        var out: [String: JSONValue] = ["role": .string(message.role), "content": .string(message.content)]
        for (name, value) in message.extras where !value.isNull {
            switch name {
            case "content":
                let images = try self.images(value, at: "\(path).content", provider: provider)
                if !images.isEmpty { out["images"] = .array(images) }
            case "tool_calls":
                guard let calls = value.arrayValue else {
                    throw refusal("\(path).tool_calls", "tool_calls must be a list", provider: provider)
                }
                var translated: [JSONValue] = []
                for (position, call) in calls.enumerated() {
                    translated.append(try toolCall(call, at: "\(path).tool_calls[\(position)]", provider: provider))
                    if let id = call["id"]?.stringValue, let name = call["function"]?["name"]?.stringValue {
                        toolNames[id] = name
                    }
                }
                out["tool_calls"] = .array(translated)
            case "tool_call_id":
                if let id = value.stringValue, let name = toolNames[id] { out["tool_name"] = .string(name) }
            case "name":
                if message.role == "tool" { out["tool_name"] = value }
            case "annotations":
                break  // citations of a past answer: nothing to generate from
            case "refusal":
                // A past refusal is what the assistant said.
                if message.content.isEmpty, let text = value.stringValue { out["content"] = .string(text) }
            default:
                throw refusal("\(path).\(name)", "Ollama has no equivalent", provider: provider)
            }
        }
        return .object(out)
    }

    /// The base64 images of a content array: its `image_url` parts with `data:` URLs.
    private static func images(_ content: JSONValue, at path: String, provider: String) throws -> [JSONValue] {
        guard let parts = content.arrayValue else {
            throw refusal(path, "content must be a string or a list of parts", provider: provider)
        }
        var images: [JSONValue] = []
        for (index, part) in parts.enumerated() {
            switch part["type"]?.stringValue {
            case "text"?:
                continue
            case "image_url"?:
                let url = part["image_url"]?["url"]?.stringValue ?? part["image_url"]?.stringValue ?? ""
                // RFC 2397: data:[<media type>][;base64],<data>
                guard url.hasPrefix("data:"), let comma = url.firstIndex(of: ","),
                    url[..<comma].hasSuffix(";base64")
                else {
                    throw refusal(
                        "\(path)[\(index)].image_url",
                        "Ollama takes images as base64 data: URLs only",
                        provider: provider
                    )
                }
                images.append(.string(String(url[url.index(after: comma)...])))
            case let type:
                throw refusal(
                    "\(path)[\(index)].type",
                    "Ollama takes no \(type ?? "untyped") parts",
                    provider: provider
                )
            }
        }
        return images
    }

    /// An OpenAI tool call as Ollama takes it: the arguments as an object.
    private static func toolCall(_ call: JSONValue, at path: String, provider: String) throws -> JSONValue {
        guard let function = call["function"], let name = function["name"]?.stringValue else {
            throw refusal("\(path).function.name", "a tool call needs its function's name", provider: provider)
        }
        let arguments: JSONValue
        switch function["arguments"] {
        case .string(let text)?:
            guard let parsed = try? JSONValue(parsing: text), parsed.objectValue != nil else {
                throw refusal(
                    "\(path).function.arguments",
                    "Ollama needs the arguments as a JSON object",
                    provider: provider
                )
            }
            arguments = parsed
        case .object(let members)?:
            arguments = .object(members)
        case nil, .null?:
            arguments = .object([:])
        default:
            throw refusal(
                "\(path).function.arguments",
                "Ollama needs the arguments as a JSON object",
                provider: provider
            )
        }
        return ["function": ["name": .string(name), "arguments": arguments]]
    }

    /// Ollama's tool calls in the OpenAI shape: a `function` call with its arguments as JSON
    /// text and an id, Ollama's own when it sends one, else `call_` and a digest of the call.
    static func openAIToolCalls(_ calls: [OllamaWire.Chunk.ToolCall], startingAt first: Int = 0) -> [JSONValue] {
        calls.enumerated().map { offset, call in
            let arguments = call.function.arguments ?? .object([:])
            let text = arguments.stringValue ?? arguments.canonicalText
            let id = call.id ?? "call_" + digest("\(first + offset):\(call.function.name):\(text)")
            return [
                "id": .string(id),
                "type": "function",
                "function": ["name": .string(call.function.name), "arguments": .string(text)],
            ]
        }
    }

    /// FNV-1a, 64 bits, as 16 hex digits: a stable id, not a secret.
    private static func digest(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The error for a field Ollama cannot honour.
    static func refusal(_ field: String, _ why: String, provider: String) -> PoolError {
        PoolError(
            code: .invalidArgument,
            message: "\(field) is not supported by provider '\(provider)' (Ollama): \(why)",
            param: field
        )
    }
}
