import Hummingbird

/// One inference request, parsed, before the simulator decides how to answer it.
struct InferenceCall: Sendable {
    /// The endpoint path, counted in the stats.
    var endpoint: String
    /// The model named by the request.
    var modelName: String
    /// Whether the client asked for a stream.
    var streaming: Bool
    /// The whole prompt text (system and every message).
    var prompt: String
    /// The request's cap on generated tokens.
    var maxTokens: Int?
    /// The raw request body, recorded for tests.
    var body: String
    /// The model's behavior when the request arrived.
    var behavior: SimulatorBehavior
    /// The tool call to answer with (only when the behavior calls tools).
    var toolCall: SimulatedToolCall?
}

/// Answers an ``InferenceCall`` in a ``SimulatorDialect``: looks the model up, counts the request,
/// checks its context size, applies the model's faults, waits for its slot and latency, and writes
/// the answer whole or streamed (`InferenceResponder+Streaming.swift`).
struct InferenceResponder: Sendable {
    let core: SimulatorCore

    func respond(
        to call: InferenceCall,
        in dialect: some SimulatorDialect,
        request: Request,
        context: SimulatorRequestContext
    ) async throws -> Response {
        guard let model = core.models[call.modelName] else {
            core.recordUnknownModel()
            return SimulatorJSON.response(
                status: 404,
                dialect.errorBody(status: 404, message: "model '\(call.modelName)' not found")
            )
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let arrival = core.recordRequest(
            SimulatedRequest(
                endpoint: call.endpoint,
                model: model.name,
                prompt: call.prompt,
                streaming: call.streaming,
                maxTokens: call.maxTokens,
                headers: headers,
                body: call.body
            )
        )
        let started = ContinuousClock.now
        let completion = SimulatedCompletion(
            model: model,
            prompt: call.prompt,
            maxTokens: call.maxTokens,
            toolCall: call.toolCall,
            judges: core.faults(for: model.name)?.malformedJudge != true
        )
        // A request the model cannot hold is refused before anything else, as servers validate first.
        if let limit = call.behavior.contextTokens, completion.promptTokens + (call.maxTokens ?? 0) > limit {
            core.record(.contextLengthExceeded, model: model.name)
            if call.streaming, call.behavior.rejectsStreamsSilently {
                return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: .init())
            }
            let body = dialect.contextLengthExceededBody(
                limit: limit,
                promptTokens: completion.promptTokens,
                maxTokens: call.maxTokens ?? 0
            )
            return SimulatorJSON.response(status: 400, body)
        }

        switch core.disposition(for: model, streaming: call.streaming) {
        case .fail(let status, let message, let retryAfter):
            core.record(.faulted, model: model.name)
            var headers: HTTPFields = [:]
            if let retryAfter { headers[.retryAfter] = String(retryAfter) }
            return SimulatorJSON.response(
                status: status,
                dialect.errorBody(status: status, message: message),
                headers: headers
            )

        case .reset:
            core.record(.faulted, model: model.name)
            await core.reset(channel: context.channel)
            throw ConnectionResetOnPurpose()

        case .hang:
            do {
                try await core.tracking(model: model.name) {
                    try await core.hang(request: request)
                    return .completed
                }
            } catch is HangLimitReached {
                await core.reset(channel: context.channel)
            }
            throw ConnectionResetOnPurpose()

        case .answer(let delay, let malformed, let stallAfterTokens) where call.streaming:
            return streamingResponse(
                completion,
                in: dialect,
                request: request,
                plan: StreamPlan(
                    started: started,
                    arrival: arrival,
                    delay: delay,
                    malformed: malformed,
                    stallAfterTokens: stallAfterTokens,
                    singleSlot: call.behavior.singleSlot
                )
            )

        case .answer(let delay, let malformed, _):
            return try await completeResponse(
                completion,
                in: dialect,
                request: request,
                started: started,
                delay: delay,
                malformed: malformed,
                behavior: call.behavior
            )
        }
    }

    /// A non-streamed answer: takes the slot, holds it for `delay`, then answers whole.
    private func completeResponse(
        _ completion: SimulatedCompletion,
        in dialect: some SimulatorDialect,
        request: Request,
        started: ContinuousClock.Instant,
        delay: Duration,
        malformed: Bool,
        behavior: SimulatorBehavior
    ) async throws -> Response {
        let core = self.core
        let model = completion.model.name
        let watched = delay > .zero || behavior.singleSlot
        return try await ClientWatch.watching(request, if: watched) { client in
            let ticket: SimulatorCore.SlotTicket
            do {
                ticket = try await core.enterGeneration(model: model, client: client)
            } catch {
                core.record(.cancelled, model: model)
                throw error is ClientDisconnected ? CancellationError() : error
            }
            let deadline = ticket.started + delay
            do {
                try await client.sleep(for: delay)
            } catch {
                core.record(.cancelled, model: model)
                if error is ClientDisconnected, behavior.keepsGeneratingAfterDisconnect {
                    // The server does not notice the client left: it finishes the answer for nobody.
                    core.record(.abandoned, model: model)
                    await SimulatorCore.sleepAbandoned(until: deadline)
                }
                core.leave(ticket)
                throw error is ClientDisconnected ? CancellationError() : error
            }
            // Counted before the slot is given back, so whoever it lets in sees this answer done.
            core.record(malformed ? .faulted : .completed, model: model)
            if !malformed, completion.toolCall != nil { core.record(.toolCall, model: model) }
            core.leave(ticket)
            let body =
                malformed
                ? SimulatorJSON.malformed : dialect.completeBody(completion, elapsed: started.duration(to: .now))
            return SimulatorJSON.response(status: 200, body, headers: watched ? Self.closeHeaders : [:])
        }
    }

    /// Tells the client not to reuse the connection: once a handler has watched the inbound side
    /// for a close, Hummingbird closes the connection after the response.
    static let closeHeaders: HTTPFields = [.connection: "close"]
}

/// Thrown after the simulator closed a connection on purpose; nothing more can be written.
struct ConnectionResetOnPurpose: Error {}
