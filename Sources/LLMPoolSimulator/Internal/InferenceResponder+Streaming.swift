import Hummingbird

/// How one streamed answer is timed and cut, decided when the request arrived.
struct StreamPlan: Sendable {
    /// The request's arrival, for `total_duration`.
    var started: ContinuousClock.Instant
    /// The request's arrival number, for ``SimulatorBehavior/interruptsStreams``.
    var arrival: Int
    /// Time to the first token, once the slot is taken.
    var delay: Duration
    /// Whether the stream is broken JSON (``SimulatorFaults/malformedBody``).
    var malformed: Bool
    /// Chunks sent before the stream stalls (``SimulatorFaults/stallAfterTokens``).
    var stallAfterTokens: Int?
    /// Whether the stream may wait for the model's slot.
    var singleSlot: Bool
}

extension InferenceResponder {
    /// A streamed answer: headers at once; then, once the slot is taken, the first chunk after
    /// `delay` and one chunk per `perTokenDelay`.
    func streamingResponse(
        _ completion: SimulatedCompletion,
        in dialect: some SimulatorDialect,
        request: Request,
        plan: StreamPlan
    ) -> Response {
        let core = self.core
        let tokenDelay = core.perTokenDelay(of: completion.model)
        let waits = plan.delay > .zero || tokenDelay > .zero || plan.stallAfterTokens != nil || plan.singleSlot
        var headers: HTTPFields = waits ? Self.closeHeaders : [:]
        headers[.contentType] = dialect.streamContentType
        headers[.cacheControl] = "no-cache"

        let body = ResponseBody { writer in
            // Every wait races the client's departure, so a client that goes away while the stream
            // queues, waits or stalls ends it (and its generation) at once, and is counted.
            do {
                try await produce(completion, in: dialect, writer: &writer, request: request, plan: plan, waits: waits)
            } catch is ClientDisconnected {
                throw CancellationError()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// Writes the stream, holding the model's slot, and counts how it ended.
    private func produce(
        _ completion: SimulatedCompletion,
        in dialect: some SimulatorDialect,
        writer: inout any ResponseBodyWriter,
        request: Request,
        plan: StreamPlan,
        waits: Bool
    ) async throws {
        let core = self.core
        let tokenDelay = core.perTokenDelay(of: completion.model)
        try await ClientWatch.watching(request, if: waits) { client in
            let model = completion.model.name
            let ticket: SimulatorCore.SlotTicket
            do {
                ticket = try await core.enterGeneration(model: model, client: client)
            } catch {
                core.record(.cancelled, model: model)
                throw error
            }
            defer { core.leave(ticket) }
            if plan.malformed {
                core.record(.faulted, model: model)
                try await client.sleep(for: plan.delay)
                if let start = dialect.streamStart(completion) { try await writer.write(start) }
                try await writer.write(dialect.malformedChunk)
                return
            }
            try await core.tracking(model: model) {
                try await client.sleep(for: plan.delay)
                if let start = dialect.streamStart(completion) { try await writer.write(start) }
                let chunks = dialect.streamChunks(completion)
                for (index, chunk) in chunks.enumerated() {
                    if index == plan.stallAfterTokens { try await stall(client) }
                    if index > 0 { try await client.sleep(for: tokenDelay) }
                    try await writer.write(chunk)
                    // As llama-cpp-python: checked after each chunk sent.
                    if core.isInterrupted(model: model, arrival: plan.arrival) {
                        if let end = dialect.streamInterruption(completion) { try await writer.write(end) }
                        return .interrupted
                    }
                }
                if let stallAfterTokens = plan.stallAfterTokens, stallAfterTokens >= chunks.count {
                    try await stall(client)
                }
                try await writer.write(dialect.streamEnd(completion, elapsed: plan.started.duration(to: .now)))
                if completion.toolCall != nil { core.record(.toolCall, model: model) }
                return .completed
            }
        }
    }

    /// Sends nothing more until the client goes away or the hang limit passes.
    private func stall(_ client: ClientWatch) async throws {
        let limit = core.configuration.hangLimit
        try await client.cancellingOnDisconnect { try await SimulatorCore.sleepUntilHangLimit(limit) }
    }
}
