import Hummingbird
import NIOCore

/// The OpenAI API: `POST /v1/chat/completions` and `GET /v1/models`, behind a bearer key when the
/// simulator has one.
struct OpenAIRoutes: Sendable {
    let core: SimulatorCore

    func register(on router: Router<SimulatorRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            try await complete(request: request, context: context)
        }
        router.get("/v1/models") { request, _ in
            if let denied = authorizationFailure(request) { return denied }
            return try await core.listing(request) { models() }
        }
    }

    private func complete(request: Request, context: SimulatorRequestContext) async throws -> Response {
        if let denied = authorizationFailure(request) { return denied }
        var request = request
        let raw: ByteBuffer
        let body: SimulatorWire.OpenAIRequest
        do {
            raw = try await request.collectBody(upTo: SimulatorJSON.maxBodyBytes)
            body = try SimulatorJSON.decode(SimulatorWire.OpenAIRequest.self, from: raw)
        } catch {
            return Self.error(400, "invalid request body: \(error)")
        }
        let behavior = core.behavior(for: body.model) ?? .polite
        let prompt = body.messages.map(\.content).joined(separator: "\n")
        let toolCall = SimulatedToolCall(
            tools: body.tools,
            choice: body.toolChoice,
            messages: body.messages,
            prompt: prompt,
            seed: core.models[body.model]?.seed ?? 0
        )
        let call = InferenceCall(
            endpoint: "/v1/chat/completions",
            modelName: body.model,
            streaming: body.stream ?? false,
            prompt: prompt,
            maxTokens: body.maxCompletionTokens ?? body.maxTokens,
            body: String(buffer: raw),
            behavior: behavior,
            toolCall: behavior.callsTools ? toolCall : nil
        )
        let dialect = OpenAIDialect(
            includeUsage: (body.streamOptions?.includeUsage ?? false) && !behavior.omitsStreamUsage
        )
        return try await InferenceResponder(core: core).respond(
            to: call,
            in: dialect,
            request: request,
            context: context
        )
    }

    /// A 401 when the simulator has a key and the request does not carry it.
    private func authorizationFailure(_ request: Request) -> Response? {
        guard let key = core.configuration.apiKey else { return nil }
        guard request.headers[.authorization] != "Bearer \(key)" else { return nil }
        return Self.error(401, "Incorrect API key provided.")
    }

    private struct ModelList: Encodable {
        struct Model: Encodable {
            var id: String
            var object = "model"
            var created = 1_704_067_200
            var ownedBy = "simulator"

            private enum CodingKeys: String, CodingKey {
                case id, object, created
                case ownedBy = "owned_by"
            }
        }
        var object = "list"
        var data: [Model]
    }

    private func models() -> Response {
        SimulatorJSON.response(
            status: 200,
            SimulatorJSON.buffer(ModelList(data: core.configuration.models.map { .init(id: $0.name) }))
        )
    }

    private static func error(_ status: Int, _ message: String) -> Response {
        SimulatorJSON.response(
            status: status,
            OpenAIDialect(includeUsage: false).errorBody(status: status, message: message)
        )
    }
}
