import Tracing

extension Orchestrator {
    /// Streams an answer into `onEvent`, in the calling task: ``AnswerStreamEvent/started(provider:model:)``
    /// once a provider produced its first token, the deltas in order, then
    /// ``AnswerStreamEvent/completed(_:)``; returns the completed answer.
    ///
    /// The providers are raced (hedged as in FASTEST) for the first token; the first to produce
    /// one streams the answer and the others are cancelled. A provider failing before its first
    /// token hands over to the next; a failure after it ends the stream with that error. Ensemble
    /// strategies that compare whole answers run to completion and stream the chosen answer, as
    /// cached answers are, word by word.
    ///
    /// `onEvent` is called one event at a time, never concurrently, and awaited before the
    /// upstream body is read on: a slow client slows the upstream read, within the request's
    /// deadline.
    ///
    /// ```swift
    /// let answer = try await orchestrator.stream(request) { event in
    ///     if case .delta(let text) = event { try await writer.write(text) }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - onEvent: Receives the events; throwing from it (the client went away) ends the stream.
    /// - Returns: The answer also sent as ``AnswerStreamEvent/completed(_:)``.
    /// - Throws: ``PoolError`` as ``infer(_:)`` does. Errors found before any provider is called
    ///   (validation, routing, every breaker open) are thrown before the first event. When
    ///   `onEvent` throws, every upstream call is cancelled and has ended before its error is
    ///   rethrown.
    public func stream(
        _ request: InferenceRequest,
        onEvent: @escaping @Sendable (AnswerStreamEvent) async throws -> Void
    ) async throws -> InferenceAnswer {
        try await stream(try prepareStream(request), onEvent: onEvent)
    }

    /// Checks and routes a request to be streamed, before anything is sent to the client: the
    /// errors a unary request would get at once (validation, routing, every breaker open) are
    /// thrown here, so a front door can answer them with a status instead of an error event.
    /// - Throws: ``PoolError`` as ``infer(_:)`` does before calling a provider (counted in the
    ///   request metrics).
    public func prepareStream(_ request: InferenceRequest) throws -> PreparedStream {
        let generation = self.generation
        do {
            let prepared = try prepare(request, generation)
            // FASTEST streams race providers: one whose breakers are all open fails now.
            if prepared.strategy == .fastest, prepared.cacheKey == nil {
                _ = try resilience.admit(prepared.providers, task: prepared.taskName)
            }
            return PreparedStream(request: request, generation: generation, prepared: prepared)
        } catch {
            if telemetry.isEnabled {
                RequestObservation(telemetry: telemetry, api: request.api).finish(
                    task: Self.taskLabel(request, generation.snapshot),
                    strategy: Self.strategyLabel(request, generation.snapshot),
                    error: error
                )
            }
            throw error
        }
    }

    /// Streams a prepared request into `onEvent`, as the request form of `stream(_:onEvent:)` does.
    public func stream(
        _ stream: PreparedStream,
        onEvent: @escaping @Sendable (AnswerStreamEvent) async throws -> Void
    ) async throws -> InferenceAnswer {
        let (request, generation) = (stream.request, stream.generation)
        let snapshot = generation.snapshot
        let sink = EventSink(onEvent)
        guard telemetry.isEnabled else { return try await streamAnswer(stream, into: sink) }
        let observation = RequestObservation(telemetry: telemetry, api: request.api)
        do {
            let answer = try await streamAnswer(stream, into: sink)
            observation.finish(task: Self.taskLabel(request, snapshot), strategy: answer.strategy.rawValue, error: nil)
            return answer
        } catch {
            observation.finish(
                task: Self.taskLabel(request, snapshot),
                strategy: Self.strategyLabel(request, snapshot),
                // A client that went away is a cancelled request, not a failure of the pool.
                error: sink.failure == nil ? error : CancellationError()
            )
            throw error
        }
    }

    private func streamAnswer(_ stream: PreparedStream, into sink: EventSink) async throws -> InferenceAnswer {
        let (request, prepared) = (stream.request, stream.prepared)
        if let hit = await cacheLookup(prepared) {
            return try await replay(cachedAnswer(hit, prepared: prepared), into: sink)
        }
        if prepared.strategy != .fastest {
            // Strategies that compare whole answers cannot stream before they have chosen; the
            // request is already validated, routed and missed in the cache.
            return try await replay(try await respond(request, prepared), into: sink)
        }
        let context = try makeContext(prepared)
        let (response, provider, decision) = try await step("strategy \(prepared.strategy.rawValue) stream") { span in
            var traced = context
            traced.span = span
            let race = StreamRace(context: traced, sink: sink)
            let fallback = fallbackContext(prepared, traced)
            return try await withDeadline(prepared.deadline, task: prepared.taskName, progress: { sink.stalledNote }) {
                do {
                    return try await race.run()
                } catch let error as PoolError where error.code == .contextLengthExceeded {
                    // Refused before any token: nothing has reached the client yet.
                    guard let fallback = try fallback() else { throw error }
                    fallback.event("context window fallback", ["llm_pool.error": .string(error.message)])
                    var (response, provider, decision) = try await StreamRace(context: fallback, sink: sink).run()
                    decision.reason = "\(Self.fallbackNote(error)); \(decision.reason)"
                    return (response, provider, decision)
                }
            }
        }
        let answer = InferenceAnswer(
            requestID: request.requestID,
            text: response.text,
            model: response.model.isEmpty ? provider.model : response.model,
            provider: provider.name,
            strategy: decision.strategy,
            usage: response.usage,
            cached: false,
            latency: prepared.started.duration(to: clock.now),
            decision: decision,
            finishReason: response.finishReason,
            extras: response.extras
        )
        await store(answer, for: prepared)
        try await sink.send(.completed(answer))
        return answer
    }

    /// Sends a whole answer as a stream: `started`, its words, `completed`.
    private func replay(_ answer: InferenceAnswer, into sink: EventSink) async throws -> InferenceAnswer {
        try await sink.send(.started(provider: answer.provider, model: answer.model))
        // Word by word, so that clients see the same shape of stream as a live one.
        for piece in Self.words(answer.text) { try await sink.send(.delta(piece)) }
        if let piece = Self.replayed(answer.extras) { try await sink.send(.fragment(piece)) }
        try await sink.send(.completed(answer))
        return answer
    }

    /// The piece that replays what a whole answer carries besides text: its tool calls, each
    /// whole in one fragment with its `index` as streams number them, and its logprobs.
    static func replayed(_ extras: AnswerExtras) -> AnswerDelta? {
        var delta: [String: JSONValue] = [:]
        let calls = extras.toolCalls.enumerated().map { index, call -> JSONValue in
            var members = call.objectValue ?? [:]
            members["index"] = .integer(Int64(index))
            return .object(members)
        }
        if !calls.isEmpty { delta["tool_calls"] = .array(calls) }
        if let refusal = extras.message["refusal"], !refusal.isNull { delta["refusal"] = refusal }
        var choice: [String: JSONValue] = [:]
        if let logprobs = extras.choice["logprobs"], !logprobs.isNull { choice["logprobs"] = logprobs }
        guard !delta.isEmpty || !choice.isEmpty else { return nil }
        return AnswerDelta(text: "", delta: delta, choice: choice)
    }

    /// Splits text into pieces that concatenate back to it: each word with the spaces before it.
    static func words(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            if character == " ", !current.isEmpty, current.last != " " {
                pieces.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
