import Foundation
import HTTPTypes
import Hummingbird
import LLMPoolCore
import NIOCore

/// The OpenAI-compatible API: `POST /v1/chat/completions` (plain and `stream: true`) and
/// `GET /v1/models`.
struct OpenAIRoutes {
    let orchestrator: Orchestrator
    let maxBodyBytes: Int

    func register(on router: Router<PoolRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            try await chatCompletions(request, context: context)
        }
        router.get("/v1/models") { _, context in
            models(context: context)
        }
    }

    func models(context: PoolRequestContext) -> Response {
        let snapshot = orchestrator.snapshot
        var data: [[String: Any]] = []
        var seen = Set<String>()
        for provider in snapshot.providers where seen.insert(provider.model).inserted {
            data.append([
                "id": provider.model, "object": "model", "created": 0, "owned_by": "llm-pool/\(provider.name)",
            ])
        }
        for task in snapshot.configuration.tasks.keys.sorted() {
            data.append(["id": "pool/\(task)", "object": "model", "created": 0, "owned_by": "llm-pool"])
        }
        return HTTPJSON.response(["object": "list", "data": data], requestID: context.requestID)
    }

    func chatCompletions(_ request: Request, context: PoolRequestContext) async throws -> Response {
        let body: ChatCompletionRequest
        var inference: InferenceRequest
        do {
            body = try await HTTPJSON.decode(ChatCompletionRequest.self, from: request, maxBytes: maxBodyBytes)
            inference = try body.inferenceRequest(
                requestID: context.requestID,
                deadline: HTTPJSON.deadline(from: request)
            )
        } catch {
            orchestrator.recordRejected(api: .openai, error: error)
            throw error
        }
        inference.api = .openai
        if let tenant = context.principal?.tenant { inference.tenant = tenant }
        let created = Int(Date().timeIntervalSince1970)
        if body.stream == true {
            return stream(inference, body: body, created: created, context: context)
        }
        let answer = try await orchestrator.infer(inference)
        var response = HTTPJSON.response(
            data: ChatCompletionResponse.completion(answer, requestedModel: body.model, created: created),
            requestID: context.requestID
        )
        response.headers.annotate(with: answer, task: inference.directMessages == nil ? inference.task : nil)
        return response
    }

    private func stream(
        _ inference: InferenceRequest,
        body: ChatCompletionRequest,
        created: Int,
        context: PoolRequestContext
    ) -> Response {
        let id = context.requestID
        let includeUsage = body.streamOptions?.includeUsage ?? false
        var headers = HTTPJSON.sseHeaders(requestID: id)
        headers[.poolTask] = inference.directMessages == nil ? inference.task : nil
        let requestedModel = body.model
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                let body = StreamedBody(writer, state: requestedModel)
                do {
                    _ = try await orchestrator.stream(inference) { event in
                        var model: String { body.state }
                        switch event {
                        case .started(_, let providerModel):
                            if requestedModel.hasPrefix(ChatCompletionRequest.poolPrefix) { body.state = providerModel }
                            let chunk = ChatCompletionResponse.chunk(
                                id: id,
                                model: model,
                                created: created,
                                delta: .init(role: "assistant", content: "")
                            )
                            try await body.write(SSE.event(chunk))
                        case .delta(let text):
                            let chunk = ChatCompletionResponse.chunk(
                                id: id,
                                model: model,
                                created: created,
                                delta: .init(content: text)
                            )
                            try await body.write(SSE.event(chunk))
                        case .completed(let answer):
                            let last = ChatCompletionResponse.chunk(
                                id: id,
                                model: model,
                                created: created,
                                delta: .init(),
                                finishReason: answer.finishReason
                            )
                            try await body.write(SSE.event(last))
                            if includeUsage {
                                let usage = ChatCompletionResponse.usageChunk(
                                    id: id,
                                    model: model,
                                    created: created,
                                    answer: answer
                                )
                                try await body.write(SSE.event(usage))
                            }
                        }
                    }
                } catch {
                    // The status line is already sent: report the error in the stream, as OpenAI does.
                    let poolError = PoolError.fromHTTP(error)
                    try await body.write(SSE.event(ChatCompletionResponse.json(poolError.openAIErrorJSON())))
                }
                writer = body.writer
                try await writer.write(SSE.done)
                try await writer.finish(nil)
            }
        )
    }
}

extension HTTPFields {
    /// Adds the `X-LLM-Pool-*` headers describing who answered.
    mutating func annotate(with answer: InferenceAnswer, task: String?) {
        if let task { self[.poolTask] = task }
        self[.poolModel] = answer.model
        self[.poolProvider] = answer.provider
        self[.poolStrategy] = answer.strategy.rawValue
        self[.poolCache] = answer.cached ? "hit" : "miss"
        self[.poolTokens] = String(answer.usage.inputTokens + answer.usage.outputTokens)
    }
}
