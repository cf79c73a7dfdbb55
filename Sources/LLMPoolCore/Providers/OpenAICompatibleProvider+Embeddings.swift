import NIOCore
import NIOHTTP1

extension OpenAICompatibleProvider {
    /// Whether `embeddings = true`.
    public var servesEmbeddings: Bool { configuration.embeddings }

    /// Embeds through `<base>/v1/embeddings`: the request's fields reach the server as sent
    /// (`input` untouched, `encoding_format`, `dimensions`, `user`), with `model` set to the
    /// provider's; every member of the answer reaches the client.
    /// - Throws: The ``PoolError``s of ``complete(_:)``.
    public func embed(_ request: EmbeddingRequest, timeout: Duration) async throws -> EmbeddingResponse {
        guard servesEmbeddings else { throw PoolError.invalidArgument("provider '\(name)' serves no embeddings") }
        let url = apiRoot + "/embeddings"
        var members = request.options
        members["model"] = .string(model)
        members["input"] = request.rawInput
        let body = ProviderHTTP.json(JSONValue.object(members))
        let limit = min(timeout, configuration.timeout)
        return try await http.call(timeout: limit, url: url) { [http, model] in
            let response = try await http.send(.POST, url: url, json: body, headers: request.headers, timeout: limit)
            let answer = try await http.decode(JSONValue.self, from: response, url: url)
            guard let object = answer.objectValue, let data = object["data"]?.arrayValue else {
                throw ProviderFailure.malformed(provider: http.provider, "no \"data\" list in the embeddings answer")
            }
            let usage = object["usage"]?.objectValue
            let reported = usage?["prompt_tokens"]?.intValue
            var extras = object
            for member in ["data", "model", "object"] { extras[member] = nil }
            return EmbeddingResponse(
                data: data,
                model: object["model"]?.stringValue ?? model,
                usage: TokenUsage(
                    inputTokens: reported ?? UsageEstimator.tokens(bytes: request.inputBytes),
                    estimated: reported == nil
                ),
                extras: extras
            )
        }
    }
}
