import LLMPoolCore
import LLMPoolTesting
import Testing

@Suite("Orchestrator: validation, routing, FASTEST, cache, streaming")
struct OrchestratorTests {
    static func configuration(providers: [String], hedging: Bool = true, hedgeDelayMS: Int = 50, cache: Bool = true)
        throws -> PoolConfiguration
    {
        var config = PoolConfiguration()
        config.providers = providers.map {
            ProviderConfiguration(name: $0, kind: .ollama, baseURL: "http://127.0.0.1:1", model: "\($0)-model")
        }
        config.tasks["t"] = TaskConfiguration(
            name: "t",
            strategy: .fastest,
            providers: providers,
            promptPath: "t.md",
            template: try PromptTemplate(source: "Task {{task}}: {{input}} [{{style}}]"),
            maxTokens: 64,
            temperature: 0,
            variables: ["style": "short"]
        )
        config.qos.hedging.enabled = hedging
        config.qos.hedging.staticDelay = .milliseconds(hedgeDelayMS)
        config.qos.hedging.minDelay = .milliseconds(1)
        config.qos.maxPromptBytes = 100
        config.qos.maxDeadline = .seconds(10)
        config.cache.enabled = cache
        return config
    }

    static func request(
        _ input: String = "hello",
        task: String = "t",
        deadline: Duration? = .seconds(2),
        temperature: Double? = nil,
        metadata: [String: String] = [:]
    ) -> InferenceRequest {
        InferenceRequest(
            requestID: "r",
            task: task,
            input: input,
            temperature: temperature,
            deadline: deadline,
            metadata: metadata
        )
    }

    static func orchestrator(_ providers: [ScriptedProvider], hedging: Bool = true, cache: Bool = true) throws
        -> Orchestrator
    {
        let config = try configuration(providers: providers.map(\.name), hedging: hedging, cache: cache)
        return Orchestrator(
            configuration: config,
            providers: providers,
            cache: cache ? InMemoryAnswerCache(configuration: config.cache) : nil
        )
    }

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var name: String
        var request: InferenceRequest
        var code: PoolError.Code
        var message: String
        var testDescription: String { name }
    }

    static let invalid: [InvalidCase] = [
        .init(name: "unknown task", request: request(task: "nope"), code: .notFound, message: "unknown task 'nope'"),
        .init(name: "empty input", request: request("   "), code: .invalidArgument, message: "input must not be empty"),
        .init(
            name: "too large",
            request: request(String(repeating: "x", count: 101)),
            code: .payloadTooLarge,
            message: "101 bytes; the limit is 100"
        ),
        .init(
            name: "deadline too long",
            request: request(deadline: .seconds(11)),
            code: .invalidArgument,
            message: "deadline_ms must be at most 10000"
        ),
        .init(
            name: "temperature",
            request: request(temperature: 3),
            code: .invalidArgument,
            message: "temperature must be between 0 and 2"
        ),
        .init(
            name: "max tokens",
            request: InferenceRequest(requestID: "r", task: "t", input: "x", maxTokens: 100_000),
            code: .invalidArgument,
            message: "max_tokens must be between 1 and 4096"
        ),
    ]

    @Test("invalid requests fail with precise errors and reach no provider", arguments: invalid)
    func validation(_ bad: InvalidCase) async throws {
        let provider = ScriptedProvider(name: "a", behaviour: .answer("ok", delay: .zero))
        let orchestrator = try Self.orchestrator([provider])
        let error = await #expect(throws: PoolError.self) { try await orchestrator.infer(bad.request) }
        #expect(error?.code == bad.code)
        #expect(error?.message.contains(bad.message) == true, "\(String(describing: error))")
        #expect(provider.calls == 0)
    }

    @Test("renders the task prompt with variables and metadata")
    func rendersPrompt() async throws {
        let provider = ScriptedProvider(name: "a", behaviour: .answer("ok", delay: .zero))
        let orchestrator = try Self.orchestrator([provider])
        _ = try await orchestrator.infer(Self.request("hi", metadata: ["style": "long", "ignored": "x"]))
        #expect(provider.requests.first?.messages.last?.content == "Task t: hi [long]")
        #expect(provider.requests.first?.maxTokens == 64)
    }

    @Test("FASTEST: the first provider answers, no hedge")
    func firstAnswers() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("from a", delay: .milliseconds(1)))
        let b = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .milliseconds(1)))
        let answer = try await Self.orchestrator([a, b]).infer(Self.request())
        #expect(answer.text == "from a")
        #expect(answer.decision.winner == "a")
        #expect(answer.decision.hedgesFired == 0)
        #expect(b.calls == 0)
    }

    @Test("FASTEST: a slow first provider is hedged and then cancelled")
    func hedges() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .hang)
        let b = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .milliseconds(1)))
        let answer = try await Self.orchestrator([a, b]).infer(Self.request())
        #expect(answer.text == "from b")
        #expect(answer.decision.hedgesFired == 1)
        #expect(answer.decision.candidates.map(\.outcome) == [.cancelled, .won])
        #expect(a.cancellations == 1)
    }

    @Test("FASTEST: a failure moves on to the next provider at once")
    func failover() async throws {
        let a = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .upstreamFailed, message: "HTTP 500"), delay: .zero)
        )
        let b = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let answer = try await Self.orchestrator([a, b]).infer(Self.request())
        #expect(answer.provider == "b")
        #expect(answer.decision.candidates.first?.outcome == .failed)
        #expect(answer.decision.candidates.first?.error == "HTTP 500")
    }

    @Test("FASTEST without hedging races all providers; the fastest wins")
    func race() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("slow", delay: .seconds(5)))
        let b = ScriptedProvider(name: "b", behaviour: .answer("fast", delay: .milliseconds(1)))
        let answer = try await Self.orchestrator([a, b], hedging: false).infer(Self.request())
        #expect(answer.text == "fast")
        #expect(a.calls == 1 && a.cancellations == 1)
    }

    @Test("every provider failing gives unavailable with each reason")
    func allFail() async throws {
        let a = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .upstreamFailed, message: "boom a"), delay: .zero)
        )
        let b = ScriptedProvider(
            name: "b",
            behaviour: .fail(PoolError(code: .unavailable, message: "boom b"), delay: .zero)
        )
        let error = await #expect(throws: PoolError.self) { try await Self.orchestrator([a, b]).infer(Self.request()) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("boom a") == true && error?.message.contains("boom b") == true)
    }

    @Test("the deadline cancels providers and fails with deadlineExceeded")
    func deadline() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .hang)
        let error = await #expect(throws: PoolError.self) {
            try await Self.orchestrator([a]).infer(Self.request(deadline: .milliseconds(50)))
        }
        #expect(error?.code == .deadlineExceeded)
        #expect(a.cancellations == 1)
    }

    @Test("deterministic answers are cached; sampled ones are not")
    func cache() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("cached text", delay: .zero))
        let orchestrator = try Self.orchestrator([a])
        let first = try await orchestrator.infer(Self.request(temperature: 0))
        let second = try await orchestrator.infer(Self.request(temperature: 0))
        #expect(!first.cached && second.cached)
        #expect(second.text == "cached text")
        #expect(a.calls == 1)
        _ = try await orchestrator.infer(Self.request(temperature: 0.7))
        _ = try await orchestrator.infer(Self.request(temperature: 0.7))
        #expect(a.calls == 3)
        _ = try await orchestrator.infer(Self.request("other", temperature: 0))
        #expect(a.calls == 4)
    }

    @Test("streaming yields started, the deltas in order, then the completed answer")
    func streams() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .hang)
        let b = ScriptedProvider(name: "b", behaviour: .answer("one two three", delay: .milliseconds(1)))
        var events: [AnswerStreamEvent] = []
        for try await event in try Self.orchestrator([a, b]).stream(Self.request()) { events.append(event) }
        #expect(events.first == .started(provider: "b", model: "b-model"))
        let text = events.compactMap { if case .delta(let d) = $0 { d } else { nil } }.joined()
        #expect(text == "one two three")
        guard case .completed(let answer) = events.last else { Issue.record("no completion"); return }
        #expect(answer.text == "one two three")
        #expect(answer.decision.winner == "b")
        #expect(a.cancellations == 1)
    }

    @Test("a stream with no provider answering ends with the error")
    func streamFails() async throws {
        let a = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .upstreamFailed, message: "bad"), delay: .zero)
        )
        let orchestrator = try Self.orchestrator([a])
        await #expect(throws: PoolError.self) {
            for try await _ in orchestrator.stream(Self.request()) {}
        }
    }
}

@Suite("Orchestrator: streaming from the cache")
struct CachedStreamTests {
    @Test("a cached answer is replayed as word deltas that concatenate to the text")
    func replays() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("alpha beta  gamma", delay: .zero))
        let orchestrator = try OrchestratorTests.orchestrator([a])
        _ = try await orchestrator.infer(OrchestratorTests.request(temperature: 0))
        var deltas: [String] = []
        var cached = false
        for try await event in orchestrator.stream(OrchestratorTests.request(temperature: 0)) {
            if case .delta(let d) = event { deltas.append(d) }
            if case .completed(let answer) = event { cached = answer.cached }
        }
        #expect(cached)
        #expect(deltas == ["alpha", " beta", "  gamma"])
        #expect(a.calls == 1)
    }
}
