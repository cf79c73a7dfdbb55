import LLMPoolCore

extension Gateway {
    /// The call an embeddings request is admitted as: task `embeddings`, costed at its input's
    /// bytes / 4 (embeddings generate no tokens).
    public static func embeddingInference(_ request: EmbeddingRequest, deadline: Duration?) -> InferenceRequest {
        InferenceRequest(
            requestID: request.requestID,
            task: "embeddings",
            input: request.input.joined(separator: "\n"),
            maxTokens: 0,
            deadline: deadline,
            tenant: request.options["user"]?.stringValue,
            api: .openai
        )
    }

    /// Answers an admitted embeddings call, settles its usage (the input tokens) and logs it as
    /// every call is.
    /// - Throws: What ``Orchestrator/embed(_:)`` threw (already logged and counted).
    public func embed(_ admission: Admission, _ request: EmbeddingRequest) async throws -> EmbeddingAnswer {
        let started = ContinuousClock.now
        let call = admission.call
        do {
            let answer = try await watched(call) { [orchestrator] in try await orchestrator.embed(request) }
            await settle(admission, usage: answer.response.usage)
            finish(
                call,
                answer: Self.logged(answer, requestID: call.requestID),
                error: nil,
                latency: started.duration(to: .now)
            )
            return answer
        } catch {
            let error = drain?.resolve(error) ?? error
            await settle(admission, usage: nil)
            finish(call, answer: nil, error: error, latency: started.duration(to: .now))
            throw error
        }
    }

    /// An embeddings answer as the request log and the `X-LLM-Pool-*` headers show it.
    public static func logged(_ answer: EmbeddingAnswer, requestID: String) -> InferenceAnswer {
        InferenceAnswer(
            requestID: requestID,
            text: "",
            model: answer.response.model,
            provider: answer.provider,
            strategy: .fastest,
            usage: answer.response.usage,
            cached: answer.cached,
            latency: answer.latency,
            decision: answer.decision,
            finishReason: "embeddings"
        )
    }
}
