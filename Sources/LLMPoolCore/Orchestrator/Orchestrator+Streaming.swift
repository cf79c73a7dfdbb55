extension Orchestrator {
    /// Streams an answer: ``AnswerStreamEvent/started(provider:model:)`` once a provider produced
    /// its first token, then deltas in order, then ``AnswerStreamEvent/completed(_:)``.
    ///
    /// The providers are raced (hedged as in FASTEST) for the first token; the first to produce
    /// one streams the answer and the others are cancelled. A provider failing before its first
    /// token hands over to the next; a failure after it ends the stream with that error. Ensemble
    /// strategies that compare whole answers run to completion and stream the chosen answer.
    /// Cancelling the consumer cancels every upstream call.
    public func stream(_ request: InferenceRequest) -> AsyncThrowingStream<AnswerStreamEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(
            of: AnswerStreamEvent.self,
            throwing: (any Error).self
        )
        let generation = self.generation
        let snapshot = generation.snapshot
        let observation = telemetry.isEnabled ? RequestObservation(telemetry: telemetry, api: request.api) : nil
        let work = Task {
            do {
                let strategy = try await self.runStream(request, generation, into: continuation)
                observation?.finish(task: Self.taskLabel(request, snapshot), strategy: strategy.rawValue, error: nil)
                continuation.finish()
            } catch {
                observation?.finish(
                    task: Self.taskLabel(request, snapshot),
                    strategy: Self.strategyLabel(request, snapshot),
                    error: error
                )
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in work.cancel() }
        return stream
    }

    private func runStream(
        _ request: InferenceRequest,
        _ generation: Generation,
        into output: AsyncThrowingStream<AnswerStreamEvent, any Error>.Continuation
    ) async throws -> StrategyKind {
        let prepared = try prepare(request, generation)
        if let hit = await cacheLookup(prepared) {
            let answer = cachedAnswer(hit, prepared: prepared)
            output.yield(.started(provider: answer.provider, model: answer.model))
            // Replayed word by word so that clients see the same shape of stream as a live one.
            for piece in Self.words(answer.text) { output.yield(.delta(piece)) }
            output.yield(.completed(answer))
            return answer.strategy
        }
        if prepared.strategy != .fastest {
            // Strategies that compare whole answers cannot stream before they have chosen; the
            // request is already validated, routed and missed in the cache.
            let answer = try await respond(request, prepared)
            output.yield(.started(provider: answer.provider, model: answer.model))
            for piece in Self.words(answer.text) { output.yield(.delta(piece)) }
            output.yield(.completed(answer))
            return answer.strategy
        }
        let context = try makeContext(prepared)
        let (response, provider, decision) = try await step("strategy \(prepared.strategy.rawValue) stream") { span in
            var traced = context
            traced.span = span
            let race = StreamRace(context: traced, output: output)
            return try await withDeadline(prepared.deadline, task: prepared.taskName) {
                try await race.run()
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
            finishReason: response.finishReason
        )
        if let key = prepared.cacheKey, let cache {
            await cache.set(
                key,
                CachedAnswer(
                    text: answer.text,
                    model: answer.model,
                    provider: answer.provider,
                    usage: answer.usage,
                    finishReason: answer.finishReason
                )
            )
        }
        output.yield(.completed(answer))
        return answer.strategy
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

extension Orchestrator {
    /// Streams an answer into `onEvent`, in the calling task: ``AnswerStreamEvent/started(provider:model:)``,
    /// the deltas in order, then ``AnswerStreamEvent/completed(_:)``, and returns the completed answer.
    ///
    /// Errors found before any provider is called (validation, routing, every breaker open) are
    /// thrown before the first event. When `onEvent` throws (the client went away), the upstream
    /// calls are cancelled and the error is rethrown. `onEvent` is called from the calling task
    /// only, one event at a time, so it may write to the caller's response writer directly.
    public func stream(
        _ request: InferenceRequest,
        onEvent: (AnswerStreamEvent) async throws -> Void
    ) async throws -> InferenceAnswer {
        var completed: InferenceAnswer?
        for try await event in stream(request) {
            if case .completed(let answer) = event { completed = answer }
            try await onEvent(event)
        }
        guard let completed else {
            throw PoolError(code: .internal, message: "stream ended without an answer")
        }
        return completed
    }
}
