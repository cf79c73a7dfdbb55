import Foundation
import HTTPTypes
import Hummingbird
import LLMPoolCore
import NIOCore

/// The OpenAI-compatible API: `POST /v1/chat/completions` (plain and `stream: true`) and
/// `GET /v1/models`.
struct OpenAIRoutes {
    let edge: HTTPEdge
    let maxBodyBytes: Int

    func register(on router: Router<PoolRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            try await chatCompletions(request, context: context)
        }
        router.get("/v1/models") { _, context in
            try models(context: context)
        }
    }

    func models(context: PoolRequestContext) throws -> Response {
        let snapshot = edge.gateway.orchestrator.snapshot
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
        return try HTTPJSON.response(["object": "list", "data": data], requestID: context.requestID)
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
            inference.api = .openai
        } catch {
            return edge.rejected(error, api: .openai, request: request, context: context, streaming: false)
        }
        let streaming = body.stream == true
        let admission = await edge.gateway.admit(
            edge.call(inference, request: request, context: context, streaming: streaming)
        )
        if let rejection = admission.rejection { return edge.failed(rejection, admission: admission, context: context) }
        let created = Int(Date().timeIntervalSince1970)
        if streaming {
            do {
                let opened = try await edge.gateway.openStream(admission)
                return stream(opened, admission: admission, body: body, created: created, context: context)
            } catch {
                return edge.failed(error, admission: admission, context: context)
            }
        }
        let answer: InferenceAnswer
        do {
            answer = try await edge.gateway.infer(admission)
        } catch {
            return edge.failed(error, admission: admission, context: context)
        }
        var response = HTTPJSON.response(
            data: try ChatCompletionResponse.completion(answer, requestedModel: body.model, created: created),
            requestID: context.requestID
        )
        response.headers.annotate(with: answer, task: inference.directMessages == nil ? inference.task : nil)
        HTTPEdge.apply(admission.rateLimitFields, to: &response.headers)
        return response
    }

    private func stream(
        _ opened: OpenedStream,
        admission: Admission,
        body: ChatCompletionRequest,
        created: Int,
        context: PoolRequestContext
    ) -> Response {
        let inference = admission.call.request
        let id = context.requestID
        let includeUsage = body.streamOptions?.includeUsage ?? false
        var headers = HTTPJSON.sseHeaders(requestID: id)
        headers[.poolTask] = inference.directMessages == nil ? inference.task : nil
        HTTPEdge.apply(admission.rateLimitFields, to: &headers)
        let requestedModel = body.model
        let gateway = edge.gateway
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                // The state is the model name the chunks carry (the provider's, once known, for pool/ tasks).
                let body = StreamedBody(writer, state: requestedModel)
                do {
                    _ = try await gateway.stream(opened) { event in
                        for chunk in try Self.chunks(
                            event,
                            id: id,
                            model: &body.state,
                            requestedModel: requestedModel,
                            created: created,
                            includeUsage: includeUsage
                        ) {
                            try await HTTPEdge.send(SSE.event(chunk), to: body)
                        }
                    }
                } catch let error as PoolError where error.code == .cancelled {
                    throw error  // the client went away: nobody to tell
                } catch {
                    // The status line is already sent: report the error in the stream, as OpenAI does.
                    let poolError = PoolError.fromHTTP(error)
                    try await body.write(SSE.event(ChatCompletionResponse.json(poolError.openAIErrorJSON())))
                }
                try await body.write(SSE.done)
                writer = body.writer
                try await writer.finish(nil)
            }
        )
    }

    /// The `chat.completion.chunk` objects of one event.
    private static func chunks(
        _ event: AnswerStreamEvent,
        id: String,
        model: inout String,
        requestedModel: String,
        created: Int,
        includeUsage: Bool
    ) throws -> [Data] {
        switch event {
        case .started(_, let providerModel):
            if requestedModel.hasPrefix(ChatCompletionRequest.poolPrefix) { model = providerModel }
            let delta = ChatCompletionResponse.Delta(role: "assistant", content: "")
            return [try ChatCompletionResponse.chunk(id: id, model: model, created: created, delta: delta)]
        case .delta(let text):
            return [
                try ChatCompletionResponse.chunk(id: id, model: model, created: created, delta: .init(content: text))
            ]
        case .fragment(let piece):
            // Tool-call fragments, logprobs and other choices, relayed as the upstream streamed them.
            let onlyOthers = piece.text.isEmpty && piece.delta.isEmpty && piece.choice.isEmpty
            let delta = ChatCompletionResponse.Delta(
                content: piece.text.isEmpty ? nil : piece.text,
                extras: piece.delta
            )
            return [
                try ChatCompletionResponse.chunk(
                    id: id,
                    model: model,
                    created: created,
                    delta: onlyOthers ? nil : delta,
                    choiceExtras: piece.choice,
                    otherChoices: piece.otherChoices
                )
            ]
        case .completed(let answer):
            var chunks = [
                try ChatCompletionResponse.chunk(
                    id: id,
                    model: model,
                    created: created,
                    delta: .init(),
                    finishReason: answer.finishReason,
                    extras: answer.extras.completion
                )
            ]
            if includeUsage {
                chunks.append(
                    try ChatCompletionResponse.usageChunk(id: id, model: model, created: created, answer: answer)
                )
            }
            return chunks
        }
    }
}

extension HTTPFields {
    /// Adds the `X-LLM-Pool-*` headers describing who answered: a documented client feature,
    /// written from the answer (nothing inside the pool reads them back).
    mutating func annotate(with answer: InferenceAnswer, task: String?) {
        if let task { self[.poolTask] = task }
        self[.poolModel] = answer.model
        self[.poolProvider] = answer.provider
        self[.poolStrategy] = answer.strategy.rawValue
        self[.poolCache] = answer.cached ? "hit" : "miss"
        self[.poolTokens] = String(answer.usage.inputTokens + answer.usage.outputTokens)
    }
}
