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
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: AnswerStreamEvent.self, throwing: (any Error).self)
        let work = Task {
            do {
                try await self.runStream(request, into: continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in work.cancel() }
        return stream
    }

    private func runStream(_ request: InferenceRequest, into output: AsyncThrowingStream<AnswerStreamEvent, any Error>.Continuation) async throws {
        let prepared = try PreparedRequest(request, snapshot: snapshot, clock: clock)
        if let key = prepared.cacheKey, let cache, let hit = await cache.get(key) {
            let answer = cachedAnswer(hit, prepared: prepared)
            output.yield(.started(provider: answer.provider, model: answer.model))
            // Replayed word by word so that clients see the same shape of stream as a live one.
            for piece in Self.words(answer.text) { output.yield(.delta(piece)) }
            output.yield(.completed(answer))
            return
        }
        if prepared.strategy != .fastest, strategy(for: prepared.strategy).1 == nil {
            // Strategies that compare whole answers cannot stream before they have chosen.
            let answer = try await infer(request)
            output.yield(.started(provider: answer.provider, model: answer.model))
            for piece in Self.words(answer.text) { output.yield(.delta(piece)) }
            output.yield(.completed(answer))
            return
        }
        let note = strategy(for: prepared.strategy).1
        let context = makeContext(prepared)
        let race = StreamRace(context: context, output: output)
        let (response, provider, decisionBase) = try await withDeadline(prepared.deadline, task: prepared.taskName) {
            try await race.run()
        }
        var decision = decisionBase
        if let note { decision.reason = "\(note); \(decision.reason)" }
        let answer = InferenceAnswer(
            requestID: request.requestID, text: response.text, model: response.model.isEmpty ? provider.model : response.model,
            provider: provider.name, strategy: decision.strategy, usage: response.usage, cached: false,
            latency: prepared.started.duration(to: clock.now), decision: decision, finishReason: response.finishReason
        )
        if let key = prepared.cacheKey, let cache {
            await cache.set(key, CachedAnswer(text: answer.text, model: answer.model, provider: answer.provider, usage: answer.usage, finishReason: answer.finishReason))
        }
        output.yield(.completed(answer))
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
