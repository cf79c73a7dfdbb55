import LLMPoolObservability

extension Orchestrator {
    /// Answers an embeddings request: the providers with `embeddings = true` whose name or model
    /// is the request's `model` are tried in order, each through its circuit breaker, until one
    /// answers; a failure of the request's own making (an upstream 4xx) ends the request at once.
    /// Embeddings are deterministic, so answers are cached (when the pool caches) under the model,
    /// the input and every option. Measured as every request is (`llm_pool_requests_total` with
    /// task `embeddings`, strategy `FAILOVER`).
    /// - Throws: ``PoolError``: `notFound` (param `model`) when no embedding provider has that
    ///   name or model, `invalidArgument` for an empty input, `unavailable` when every breaker is
    ///   open, or the most telling of the providers' failures.
    public func embed(_ request: EmbeddingRequest) async throws -> EmbeddingAnswer {
        guard telemetry.isEnabled else { return try await embedAnswer(request) }
        let observation = RequestObservation(telemetry: telemetry, api: .openai)
        do {
            let answer = try await embedAnswer(request)
            observation.finish(task: "embeddings", strategy: "FAILOVER", error: nil)
            return answer
        } catch {
            observation.finish(task: "embeddings", strategy: "FAILOVER", error: error)
            throw error
        }
    }

    /// The providers that serve embeddings, by the model name `/v1/models` lists them under.
    public var embeddingModels: [String] {
        var seen = Set<String>()
        return snapshot.providers.filter(\.servesEmbeddings).map(\.model).filter { seen.insert($0).inserted }
    }

    private func embedAnswer(_ request: EmbeddingRequest) async throws -> EmbeddingAnswer {
        let started = clock.now
        let configuration = snapshot.configuration
        let providers = snapshot.providers.filter {
            $0.servesEmbeddings && ($0.name == request.model || $0.model == request.model)
        }
        guard !providers.isEmpty else {
            let known = embeddingModels
            throw PoolError(
                code: .notFound,
                message: "model '\(request.model)' is not an embedding model of this pool"
                    + (known.isEmpty
                        ? " (no provider has embeddings = true)"
                        : " (embedding models: \(known.joined(separator: ", ")))"),
                param: "model"
            )
        }
        guard !request.input.isEmpty else {
            throw PoolError(code: .invalidArgument, message: "input must not be empty", param: "input")
        }
        let deadline = min(request.deadline ?? configuration.qos.defaultDeadline, configuration.qos.maxDeadline)
        let key = configuration.cache.enabled ? Self.embeddingKey(request, providers: providers) : nil
        if let key, let cache, let hit = await cache.get(key), let response = Self.embeddingResponse(hit) {
            if telemetry.isEnabled { telemetry.metrics.cacheRequests.labels(cache.backend, "hit").increment() }
            let decision = EnsembleDecision(strategy: .fastest, winner: hit.provider, reason: "cache hit")
            return EmbeddingAnswer(
                response: response,
                provider: hit.provider,
                cached: true,
                decision: decision,
                latency: started.duration(to: clock.now)
            )
        }
        if let cache, key != nil, telemetry.isEnabled {
            telemetry.metrics.cacheRequests.labels(cache.backend, "miss").increment()
        }
        let admitted = try resilience.admit(providers, task: "embeddings").admitted
        var candidates: [EnsembleDecision.Candidate] = []
        var errors: [PoolError] = []
        for provider in admitted {
            let remaining = deadline - started.duration(to: clock.now)
            guard remaining > .zero else { break }
            let breaker = resilience.breakers.breaker(for: provider.name)
            guard let permit = breaker.acquire() else { continue }
            let callStarted = clock.now
            do {
                let response = try await provider.embed(request, timeout: remaining)
                _ = breaker.record(permit, .success)
                candidates.append(
                    .init(
                        provider: provider.name,
                        model: provider.model,
                        latency: callStarted.duration(to: clock.now),
                        outcome: .won
                    )
                )
                if let key, let cache { await cache.set(key, Self.cached(response, provider: provider.name)) }
                return EmbeddingAnswer(
                    response: response,
                    provider: provider.name,
                    cached: false,
                    decision: EnsembleDecision(
                        strategy: .fastest,
                        candidates: candidates,
                        winner: provider.name,
                        reason: candidates.count == 1 ? "first provider answered" : "failed over"
                    ),
                    latency: started.duration(to: clock.now)
                )
            } catch {
                let failure = PoolError.wrap(error, provider: provider.name)
                if failure.code == .resourceExhausted, let wait = failure.retryAfter {
                    resilience.holdOff(provider.name, for: wait)
                }
                let outcome: CircuitBreaker.Outcome =
                    Task.isCancelled && clock.now < started.advanced(by: deadline) ? .ignored : failure.breakerOutcome
                _ = breaker.record(permit, outcome)
                if failure.isCallerFault || Task.isCancelled { throw failure }
                errors.append(failure)
                candidates.append(
                    .init(
                        provider: provider.name,
                        model: provider.model,
                        latency: callStarted.duration(to: clock.now),
                        outcome: failure.code == .deadlineExceeded ? .timedOut : .failed,
                        error: failure.message
                    )
                )
            }
        }
        if errors.isEmpty {
            throw PoolError(code: .deadlineExceeded, message: "no time left to embed with '\(request.model)'")
        }
        throw PoolError.allFailed(errors, task: "embeddings")
    }

    /// The cache key of an embeddings request: the models that may answer, the input as sent and
    /// every option.
    static func embeddingKey(_ request: EmbeddingRequest, providers: [any Provider]) -> CacheKey {
        var options = request.options
        options["input"] = request.rawInput
        options["user"] = nil
        return CacheKey(
            task: "embeddings",
            strategy: .fastest,
            messages: [],
            models: providers.map(\.model),
            maxTokens: 0,
            temperature: 0,
            options: options
        )
    }

    /// An embeddings response as the answer cache keeps it: the data and extras as JSON text.
    static func cached(_ response: EmbeddingResponse, provider: String) -> CachedAnswer {
        let body = JSONValue.object(["data": .array(response.data), "extras": .object(response.extras)])
        return CachedAnswer(
            text: body.canonicalText,
            model: response.model,
            provider: provider,
            usage: response.usage,
            finishReason: "embeddings"
        )
    }

    /// The embeddings response of a cache entry; `nil` for an entry that is not one.
    static func embeddingResponse(_ entry: CachedAnswer) -> EmbeddingResponse? {
        guard entry.finishReason == "embeddings", let body = try? JSONValue(parsing: entry.text),
            let data = body.objectValue?["data"]?.arrayValue
        else { return nil }
        return EmbeddingResponse(
            data: data,
            model: entry.model,
            usage: entry.usage,
            extras: body.objectValue?["extras"]?.objectValue ?? [:]
        )
    }
}
