import Hummingbird
import NIOCore

/// Ollama's API: `POST /api/chat`, `POST /api/generate`, `GET /api/tags`.
struct OllamaRoutes: Sendable {
    let core: SimulatorCore

    func register(on router: Router<SimulatorRequestContext>) {
        router.post("/api/chat") { request, context in
            try await infer(.chat, request: request, context: context)
        }
        router.post("/api/generate") { request, context in
            try await infer(.generate, request: request, context: context)
        }
        router.get("/api/tags") { request, _ in
            try await core.listing(request) { tags() }
        }
    }

    private func infer(_ endpoint: OllamaDialect.Endpoint, request: Request, context: SimulatorRequestContext)
        async throws -> Response
    {
        var request = request
        let raw: ByteBuffer
        let body: SimulatorWire.OllamaRequest
        do {
            raw = try await request.collectBody(upTo: SimulatorJSON.maxBodyBytes)
            body = try SimulatorJSON.decode(SimulatorWire.OllamaRequest.self, from: raw)
        } catch {
            return SimulatorJSON.response(
                status: 400,
                OllamaDialect(endpoint: endpoint).errorBody(status: 400, message: "invalid request body: \(error)")
            )
        }
        let behavior = core.behavior(for: body.model) ?? .polite
        let dialect = OllamaDialect(endpoint: endpoint, reportsStreamCounts: !behavior.omitsStreamUsage)
        let prompt: String
        let toolCall: SimulatedToolCall?
        switch endpoint {
        case .chat:
            let messages = body.messages ?? []
            prompt = messages.map(\.content).joined(separator: "\n")
            toolCall = SimulatedToolCall(
                tools: body.tools,
                messages: messages,
                prompt: prompt,
                seed: core.models[body.model]?.seed ?? 0
            )
        case .generate:
            prompt = [body.system, body.prompt].compactMap { $0 }.joined(separator: "\n")
            toolCall = nil
        }
        let call = InferenceCall(
            endpoint: endpoint.rawValue,
            modelName: body.model,
            // Ollama streams unless told not to.
            streaming: body.stream ?? true,
            prompt: prompt,
            maxTokens: body.options?.numPredict.flatMap { $0 < 0 ? nil : $0 },
            body: String(buffer: raw),
            behavior: behavior,
            toolCall: behavior.callsTools ? toolCall : nil
        )
        return try await InferenceResponder(core: core).respond(
            to: call,
            in: dialect,
            request: request,
            context: context
        )
    }

    private struct Tags: Encodable {
        struct Model: Encodable {
            var name: String
            var model: String
            var modifiedAt: String
            var size: Int
            var digest: String

            private enum CodingKeys: String, CodingKey {
                case name, model, size, digest
                case modifiedAt = "modified_at"
            }
        }
        var models: [Model]
    }

    private func tags() -> Response {
        let models = core.configuration.models.map {
            Tags.Model(
                name: $0.name,
                model: $0.name,
                modifiedAt: "2024-01-01T00:00:00Z",
                size: 0,
                digest: "sha256:simulated-\($0.seed)"
            )
        }
        return SimulatorJSON.response(status: 200, SimulatorJSON.buffer(Tags(models: models)))
    }
}
