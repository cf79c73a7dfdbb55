import Foundation
import HTTPTypes
import Hummingbird
import LLMPoolCore

/// `POST /v1/embeddings` in OpenAI's shape, answered by the providers with `embeddings = true`
/// (``Orchestrator/embed(_:)``), through the same admission, rate limits, log and metrics as
/// every other call.
struct EmbeddingRoutes {
    let edge: HTTPEdge
    let maxBodyBytes: Int

    func register(on router: Router<PoolRequestContext>) {
        router.post("/v1/embeddings") { request, context in
            try await embeddings(request, context: context)
        }
    }

    func embeddings(_ request: Request, context: PoolRequestContext) async throws -> Response {
        let embedding: EmbeddingRequest
        let inference: InferenceRequest
        do {
            let body = try await HTTPJSON.decode(JSONValue.self, from: request, maxBytes: maxBodyBytes)
            embedding = try Self.decode(body, requestID: context.requestID)
            inference = Gateway.embeddingInference(embedding, deadline: try HTTPJSON.deadline(from: request))
        } catch {
            return edge.rejected(error, api: .openai, request: request, context: context, streaming: false)
        }
        var timed = embedding
        timed.deadline = inference.deadline
        let admission = await edge.gateway.admit(
            edge.call(inference, request: request, context: context, streaming: false)
        )
        if let rejection = admission.rejection { return edge.failed(rejection, admission: admission, context: context) }
        let answer: EmbeddingAnswer
        do {
            answer = try await edge.gateway.embed(admission, timed)
        } catch {
            return edge.failed(error, admission: admission, context: context)
        }
        var response = HTTPJSON.response(data: Self.body(answer), requestID: context.requestID)
        response.headers.annotate(with: Gateway.logged(answer, requestID: context.requestID), task: nil)
        HTTPEdge.apply(admission.rateLimitFields, to: &response.headers)
        return response
    }

    /// Reads `model` and `input` (a string, a list of strings, a token array or a list of token
    /// arrays); every other member travels on as it is.
    /// - Throws: ``PoolError`` `invalidArgument` naming the field that is missing or malformed.
    static func decode(_ body: JSONValue, requestID: String) throws -> EmbeddingRequest {
        guard var members = body.objectValue else {
            throw PoolError(code: .invalidArgument, message: "the body must be a JSON object")
        }
        guard let model = members.removeValue(forKey: "model")?.stringValue, !model.isEmpty else {
            throw PoolError(code: .invalidArgument, message: "model is required: a string", param: "model")
        }
        guard let raw = members.removeValue(forKey: "input") else {
            throw PoolError(code: .invalidArgument, message: "input is required", param: "input")
        }
        return EmbeddingRequest(
            requestID: requestID,
            model: model,
            input: try texts(of: raw),
            rawInput: raw,
            options: members
        )
    }

    /// The texts of an `input`: token arrays are read as their numbers, space-separated.
    private static func texts(of input: JSONValue) throws -> [String] {
        func tokens(_ items: [JSONValue]) -> String? {
            let numbers = items.compactMap(\.intValue)
            return numbers.count == items.count ? numbers.map(String.init).joined(separator: " ") : nil
        }
        let malformed = PoolError(
            code: .invalidArgument,
            message: "input must be a string, a list of strings, a token array or a list of token arrays",
            param: "input"
        )
        switch input {
        case .string(let text):
            return [text]
        case .array(let items) where items.allSatisfy({ $0.stringValue != nil }):
            return items.compactMap(\.stringValue)
        case .array(let items) where items.allSatisfy({ $0.intValue != nil }):
            return [tokens(items)].compactMap { $0 }
        case .array(let items):
            let lists = items.compactMap { $0.arrayValue.flatMap(tokens) }
            guard lists.count == items.count else { throw malformed }
            return lists
        default:
            throw malformed
        }
    }

    /// The OpenAI answer: `object`, `data`, `model`, `usage` (the upstream's, or the pool's
    /// count), and any other member the upstream sent.
    static func body(_ answer: EmbeddingAnswer) -> Data {
        let response = answer.response
        var members = response.extras
        members["object"] = "list"
        members["data"] = .array(response.data)
        members["model"] = .string(response.model)
        if members["usage"] == nil {
            let tokens = JSONValue.integer(Int64(response.usage.inputTokens))
            members["usage"] = .object(["prompt_tokens": tokens, "total_tokens": tokens])
        }
        return Data(JSONValue.object(members).canonicalText.utf8)
    }
}
