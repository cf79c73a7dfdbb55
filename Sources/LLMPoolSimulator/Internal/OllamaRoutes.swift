import Hummingbird

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
        router.get("/api/tags") { _, _ in
            tags()
        }
    }

    private func infer(_ endpoint: OllamaDialect.Endpoint, request: Request, context: SimulatorRequestContext)
        async throws -> Response
    {
        let dialect = OllamaDialect(endpoint: endpoint)
        var request = request
        let body: SimulatorWire.OllamaRequest
        do {
            body = try SimulatorJSON.decode(
                SimulatorWire.OllamaRequest.self,
                from: try await request.collectBody(upTo: SimulatorJSON.maxBodyBytes)
            )
        } catch {
            return SimulatorJSON.response(
                status: 400,
                dialect.errorBody(status: 400, message: "invalid request body: \(error)")
            )
        }
        let prompt: String
        switch endpoint {
        case .chat: prompt = (body.messages ?? []).map(\.content).joined(separator: "\n")
        case .generate: prompt = [body.system, body.prompt].compactMap { $0 }.joined(separator: "\n")
        }
        let call = InferenceCall(
            endpoint: endpoint.rawValue,
            modelName: body.model,
            // Ollama streams unless told not to.
            streaming: body.stream ?? true,
            prompt: prompt,
            maxTokens: body.options?.numPredict.flatMap { $0 < 0 ? nil : $0 }
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
