import Foundation
import NIOCore
import NIOHTTP1

extension OllamaProvider {
    /// Whether `embeddings = true`.
    public var servesEmbeddings: Bool { configuration.embeddings }

    /// The OpenAI embedding fields Ollama's `/api/embed` takes as they are.
    static let embeddingFields: Set<String> = ["truncate", "dimensions", "options", "keep_alive"]

    /// Embeds through `<base>/api/embed`, translating from the OpenAI shape: `input` as a list of
    /// texts; `truncate`, `dimensions`, `options` and `keep_alive` (default the provider's) as
    /// they are; `encoding_format: base64` answered as OpenAI does (little-endian float32,
    /// base64), from the vectors Ollama returns; `user` is not sent. Any other field is refused.
    /// - Throws: ``PoolError`` `invalidArgument` naming a field Ollama cannot honour (token-array
    ///   input among them), or the ``PoolError``s of ``complete(_:)``.
    public func embed(_ request: EmbeddingRequest, timeout: Duration) async throws -> EmbeddingResponse {
        guard servesEmbeddings else { throw PoolError.invalidArgument("provider '\(name)' serves no embeddings") }
        let base64 = try Self.encodingIsBase64(request.options["encoding_format"])
        if case .array(let items) = request.rawInput, items.contains(where: { $0.stringValue == nil }) {
            throw PoolError(
                code: .invalidArgument,
                message: "Ollama embeds text only: input must be a string or a list of strings, not tokens",
                param: "input"
            )
        }
        var members: [String: JSONValue] = [
            "model": .string(model), "input": .array(request.input.map { .string($0) }),
        ]
        if let keepAlive = configuration.keepAlive { members["keep_alive"] = .string(keepAlive) }
        for (field, value) in request.options where field != "encoding_format" && field != "user" {
            guard Self.embeddingFields.contains(field) else {
                throw PoolError(
                    code: .invalidArgument,
                    message: "Ollama's /api/embed cannot honour '\(field)' (provider '\(name)')",
                    param: field
                )
            }
            members[field] = value
        }
        let url = baseURL + "/api/embed"
        let body = ProviderHTTP.json(JSONValue.object(members))
        let limit = min(timeout, configuration.timeout)
        return try await http.call(timeout: limit, url: url) { [http, model] in
            let response = try await http.send(.POST, url: url, json: body, headers: request.headers, timeout: limit)
            let answer = try await http.decode(JSONValue.self, from: response, url: url)
            guard let object = answer.objectValue, let vectors = object["embeddings"]?.arrayValue else {
                throw ProviderFailure.malformed(provider: http.provider, "no \"embeddings\" in the answer")
            }
            let data: [JSONValue] = vectors.enumerated().map { index, vector in
                .object([
                    "object": "embedding",
                    "index": .integer(Int64(index)),
                    "embedding": base64 ? .string(Self.base64(vector)) : vector,
                ])
            }
            let reported = object["prompt_eval_count"]?.intValue
            return EmbeddingResponse(
                data: data,
                model: object["model"]?.stringValue ?? model,
                usage: TokenUsage(
                    inputTokens: reported ?? UsageEstimator.tokens(bytes: request.inputBytes),
                    estimated: reported == nil
                )
            )
        }
    }

    /// Whether `encoding_format` asks for base64 (`float`, the default, does not).
    static func encodingIsBase64(_ value: JSONValue?) throws -> Bool {
        guard let value else { return false }
        switch value.stringValue {
        case "float"?: return false
        case "base64"?: return true
        default:
            throw PoolError(
                code: .invalidArgument,
                message: "encoding_format must be \"float\" or \"base64\"",
                param: "encoding_format"
            )
        }
    }

    /// A vector as OpenAI's base64 encoding writes it: float32, little-endian.
    static func base64(_ vector: JSONValue) -> String {
        var bytes: [UInt8] = []
        for value in vector.arrayValue ?? [] {
            let bits = Float(value.doubleValue ?? 0).bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
