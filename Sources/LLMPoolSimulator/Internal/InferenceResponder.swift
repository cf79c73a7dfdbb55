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
}

/// Answers an ``InferenceCall`` in a ``SimulatorDialect``: looks the model up, counts the request,
/// applies the model's faults and latency, and writes the answer whole or streamed.
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
        core.recordRequest(
            SimulatedRequest(
                endpoint: call.endpoint,
                model: model.name,
                prompt: call.prompt,
                streaming: call.streaming,
                maxTokens: call.maxTokens,
                headers: headers
            )
        )
        let started = ContinuousClock.now
        let completion = SimulatedCompletion(model: model, prompt: call.prompt, maxTokens: call.maxTokens)

        switch core.disposition(for: model, streaming: call.streaming) {
        case .fail(let status, let message):
            core.record(.faulted, model: model.name)
            return SimulatorJSON.response(status: status, dialect.errorBody(status: status, message: message))

        case .reset:
            core.record(.faulted, model: model.name)
            await core.reset(channel: context.channel)
            throw ConnectionResetOnPurpose()

        case .hang:
            do {
                try await core.tracking(model: model.name) { try await core.hang(request: request) }
            } catch is HangLimitReached {
                await core.reset(channel: context.channel)
            }
            throw ConnectionResetOnPurpose()

        case .answer(let delay, let malformed, let stallAfterTokens) where call.streaming:
            return streamingResponse(
                completion,
                in: dialect,
                request: request,
                started: started,
                delay: delay,
                malformed: malformed,
                stallAfterTokens: stallAfterTokens
            )

        case .answer(let delay, let malformed, _):
            do {
                try await core.wait(delay, request: request)
            } catch {
                core.record(.cancelled, model: model.name)
                throw error
            }
            core.record(malformed ? .faulted : .completed, model: model.name)
            let body =
                malformed
                ? SimulatorJSON.malformed : dialect.completeBody(completion, elapsed: started.duration(to: .now))
            return SimulatorJSON.response(status: 200, body, headers: delay > .zero ? Self.closeHeaders : [:])
        }
    }

    /// A streamed answer: the first token after `delay`, then one token per `perTokenDelay`.
    private func streamingResponse(
        _ completion: SimulatedCompletion,
        in dialect: some SimulatorDialect,
        request: Request,
        started: ContinuousClock.Instant,
        delay: Duration,
        malformed: Bool,
        stallAfterTokens: Int?
    ) -> Response {
        let core = self.core
        let tokenDelay = core.perTokenDelay(of: completion.model)
        let hangLimit = core.configuration.hangLimit
        let waits = delay > .zero || tokenDelay > .zero || stallAfterTokens != nil
        var headers: HTTPFields = waits ? Self.closeHeaders : [:]
        headers[.contentType] = dialect.streamContentType
        headers[.cacheControl] = "no-cache"

        let body = ResponseBody { writer in
            // Every write happens inside the inbound-close scope, so a client that goes away while
            // the stream waits or stalls cancels it and is counted.
            func produce() async throws {
                if delay > .zero { try await Task.sleep(for: delay) }
                if let start = dialect.streamStart(completion) { try await writer.write(start) }
                if malformed {
                    try await writer.write(dialect.malformedChunk)
                    return
                }
                for (index, piece) in completion.pieces.enumerated() {
                    if index == stallAfterTokens { try await SimulatorCore.sleepUntilHangLimit(hangLimit) }
                    if index > 0, tokenDelay > .zero { try await Task.sleep(for: tokenDelay) }
                    try await writer.write(dialect.streamChunk(piece, of: completion))
                }
                if let stallAfterTokens, stallAfterTokens >= completion.pieces.count {
                    try await SimulatorCore.sleepUntilHangLimit(hangLimit)
                }
                try await writer.write(dialect.streamEnd(completion, elapsed: started.duration(to: .now)))
            }

            func scoped() async throws {
                if waits {
                    try await request.body.consumeWithCancellationOnInboundClose { _ in try await produce() }
                } else {
                    try await produce()
                }
            }

            if malformed {
                core.record(.faulted, model: completion.model.name)
                try await scoped()
            } else {
                try await core.tracking(model: completion.model.name) { try await scoped() }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// Tells the client not to reuse the connection: once a handler has watched the inbound side
    /// for a close, Hummingbird closes the connection after the response.
    private static let closeHeaders: HTTPFields = [.connection: "close"]
}

/// Thrown after the simulator closed a connection on purpose; nothing more can be written.
struct ConnectionResetOnPurpose: Error {}
