import LLMPoolCore
import LLMPoolTesting
import Testing

@Suite("Orchestrator: validation, routing, FASTEST, cache", .timeLimit(.minutes(1)))
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

    static func orchestrator(
        _ providers: [ScriptedProvider],
        hedging: Bool = true,
        cache: Bool = true,
        clock: any PoolClock = SystemPoolClock()
    ) throws -> Orchestrator {
        let config = try configuration(providers: providers.map(\.name), hedging: hedging, cache: cache)
        return Orchestrator(
            configuration: config,
            providers: providers,
            cache: cache ? InMemoryAnswerCache(configuration: config.cache) : nil,
            clock: clock
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
        // On a manual clock the hedge delay never passes: no timing can make b answer.
        let a = ScriptedProvider(name: "a", behaviour: .answer("from a", delay: .zero))
        let b = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let answer = try await Self.orchestrator([a, b], clock: ManualPoolClock()).infer(Self.request())
        #expect(answer.text == "from a")
        #expect(answer.decision.winner == "a")
        #expect(answer.decision.hedgesFired == 0)
        #expect(b.calls == 0)
    }

    @Test("FASTEST: a slow first provider is hedged at the hedge delay and then cancelled")
    func hedges() async throws {
        let clock = ManualPoolClock()
        let a = ScriptedProvider(name: "a", behaviour: .hang)
        let b = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let orchestrator = try Self.orchestrator([a, b], cache: false, clock: clock)
        async let answer = orchestrator.infer(Self.request())
        await clock.waitForSleepers(2)  // the deadline and the hedge timer
        clock.advance(by: .milliseconds(49))
        #expect(b.calls == 0, "no hedge before the 50 ms hedge delay")
        clock.advance(by: .milliseconds(1))
        let answered = try await answer
        #expect(answered.text == "from b")
        #expect(answered.latency == .milliseconds(50))
        #expect(answered.decision.hedgesFired == 1)
        #expect(answered.decision.candidates.map(\.outcome) == [.cancelled, .won])
        #expect(a.cancellations == 1, "the loser was cancelled and had ended when infer returned")
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
        let clock = ManualPoolClock()
        let a = ScriptedProvider(name: "a", behaviour: .answer("slow", delay: .seconds(5)), clock: clock)
        let b = ScriptedProvider(name: "b", behaviour: .answer("fast", delay: .milliseconds(1)), clock: clock)
        let orchestrator = try Self.orchestrator([a, b], hedging: false, cache: false, clock: clock)
        async let answer = orchestrator.infer(Self.request())
        await clock.waitForSleepers(3)  // the deadline and both providers
        clock.advance(by: .milliseconds(1))
        #expect(try await answer.text == "fast")
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

    @Test(
        "the deadline cancels providers and fails with deadlineExceeded, coalesced or not",
        arguments: [(cache: true, sleepers: 2), (cache: false, sleepers: 1)]
    )
    func deadline(cache: Bool, sleepers: Int) async throws {
        let clock = ManualPoolClock()
        let a = ScriptedProvider(name: "a", behaviour: .hang)
        let orchestrator = try Self.orchestrator([a], cache: cache, clock: clock)
        async let answer = orchestrator.infer(Self.request(deadline: .milliseconds(50)))
        // Coalesced: the caller's own wait and the shared call's deadline; else the request's deadline.
        await clock.waitForSleepers(sleepers)
        clock.advance(by: .milliseconds(49))
        #expect(a.cancellations == 0)
        clock.advance(by: .milliseconds(1))
        var error: PoolError?
        do { _ = try await answer } catch let failure as PoolError { error = failure }
        #expect(error?.code == .deadlineExceeded)
        #expect(error?.message.contains("deadline exceeded before any provider for 't' answered") == true)
        #expect(a.cancellations == 1, "the upstream call was cancelled and had ended when infer threw")
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
}
