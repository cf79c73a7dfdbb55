import LLMPoolCore
import LLMPoolObservability
import LLMPoolTesting
import Synchronization
import Testing

/// What a stream handler throws when its client went away.
struct ClientWentAway: Error {}

@Suite("Orchestrator: streaming into a handler", .timeLimit(.minutes(1)))
struct OrchestratorStreamingTests {
    @Test("started, the deltas in order, then the completed answer, which stream returns")
    func streams() async throws {
        let clock = ManualPoolClock()
        let a = ScriptedProvider(name: "a", behaviour: .hang)
        let b = ScriptedProvider(name: "b", behaviour: .answer("one two three", delay: .zero))
        let orchestrator = try OrchestratorTests.orchestrator([a, b], clock: clock)
        let log = EventLog()
        async let streamed = orchestrator.stream(OrchestratorTests.request()) { log.append($0) }
        await clock.waitForSleepers(2)  // the deadline and the hedge timer
        #expect(log.all.isEmpty, "nothing is sent before a provider produced a token")
        clock.advance(by: .milliseconds(50))
        let answer = try await streamed
        let events = log.all
        #expect(events.first == .started(provider: "b", model: "b-model"))
        #expect(log.deltas == ["one", " two", " three"])
        #expect(events.last == .completed(answer))
        #expect(events.count == 5)
        #expect(answer.text == "one two three")
        #expect(answer.decision.winner == "b")
        #expect(answer.decision.hedgesFired == 1)
        #expect(a.cancellations == 1, "the loser had ended when stream returned")
    }

    @Test("a stream with no provider answering ends with the error and sends nothing")
    func streamFails() async throws {
        let a = ScriptedProvider(
            name: "a",
            behaviour: .fail(PoolError(code: .upstreamFailed, message: "bad"), delay: .zero)
        )
        let orchestrator = try OrchestratorTests.orchestrator([a])
        let log = EventLog()
        let error = await #expect(throws: PoolError.self) {
            try await orchestrator.stream(OrchestratorTests.request()) { log.append($0) }
        }
        #expect(error?.code == .upstreamFailed)
        #expect(log.all.isEmpty)
    }

    @Test("errors found before any provider is called are thrown before the first event")
    func failsBeforeTheFirstEvent() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("x", delay: .zero))
        let orchestrator = try OrchestratorTests.orchestrator([a])
        let log = EventLog()
        let invalid = await #expect(throws: PoolError.self) {
            try await orchestrator.stream(OrchestratorTests.request("   ")) { log.append($0) }
        }
        #expect(invalid?.code == .invalidArgument)
        let breaker = orchestrator.resilience.breakers.breaker(for: "a")
        for _ in 0..<5 { if let permit = breaker.acquire() { breaker.record(permit, .failure) } }
        let open = await #expect(throws: PoolError.self) {
            try await orchestrator.stream(OrchestratorTests.request()) { log.append($0) }
        }
        #expect(open?.code == .unavailable)
        #expect(open?.message.contains("circuit breaker") == true)
        #expect(log.all.isEmpty)
        #expect(a.calls == 0)
    }

    @Test("a handler that throws cancels every upstream call, awaits it, and gets its own error back")
    func clientGoesAway() async throws {
        let telemetry = PoolTelemetry.makeStandalone()
        let config = try OrchestratorTests.configuration(providers: ["a", "b"], hedging: false, cache: false)
        let a = ScriptedProvider(name: "a", behaviour: .answer("one two three", delay: .zero))
        let b = ScriptedProvider(name: "b", behaviour: .hang)
        let orchestrator = Orchestrator(configuration: config, providers: [a, b], telemetry: telemetry)
        let log = EventLog()
        await #expect(throws: ClientWentAway.self) {
            try await orchestrator.stream(OrchestratorTests.request()) { event in
                log.append(event)
                if case .delta = event { throw ClientWentAway() }
            }
        }
        #expect(log.all == [.started(provider: "a", model: "a-model"), .delta("one")], "nothing after the throw")
        #expect(b.cancellations == 1, "the other upstream call had ended when stream threw")
        #expect(orchestrator.resilience.breakers.breaker(for: "a").snapshot().failures == 0, "not a provider failure")
        #expect(telemetry.metrics.requests.labels("http", "t", "FASTEST", "cancelled").value == 1)
        // A stream read to its end is a request like any other.
        _ = try await orchestrator.stream(OrchestratorTests.request()) { _ in }
        #expect(telemetry.metrics.requests.labels("http", "t", "FASTEST", "ok").value == 1)
        #expect(telemetry.metrics.inflightRequests.labels("http").value == 0)
    }

    @Test("a failure after the first token ends the stream with that error and counts against the breaker")
    func failsMidStream() async throws {
        let config = try OrchestratorTests.configuration(providers: ["a", "b"], cache: false)
        let a = PacedProvider(name: "a", pieces: ["one"], then: PoolError(code: .upstreamFailed, message: "reset"))
        let b = ScriptedProvider(name: "b", behaviour: .answer("from b", delay: .zero))
        let orchestrator = Orchestrator(configuration: config, providers: [a, b], clock: ManualPoolClock())
        let log = EventLog()
        let error = await #expect(throws: PoolError.self) {
            try await orchestrator.stream(OrchestratorTests.request()) { log.append($0) }
        }
        #expect(error?.code == .upstreamFailed)
        #expect(log.all == [.started(provider: "a", model: "a-model"), .delta("one")])
        #expect(b.calls == 0, "no hand-over once the client has seen a token")
        #expect(orchestrator.resilience.breakers.breaker(for: "a").snapshot().failures == 1)
    }

    @Test("back-pressure: the provider hands over its next piece only once the handler took the last")
    func backPressure() async throws {
        let config = try OrchestratorTests.configuration(providers: ["a"], cache: false)
        let a = PacedProvider(name: "a", pieces: ["one", " two", " three"])
        let orchestrator = Orchestrator(configuration: config, providers: [a])
        let gate = ProviderGate()
        let log = EventLog()
        async let streamed = orchestrator.stream(OrchestratorTests.request()) { event in
            log.append(event)
            if case .delta("one") = event { try await gate.wait() }
        }
        await gate.waitForWaiters(1)
        #expect(a.handedOver == 0, "the provider is still waiting for its first piece to be taken")
        #expect(log.deltas == ["one"])
        gate.open()
        #expect(try await streamed.text == "one two three")
        #expect(a.handedOver == 3)
        #expect(log.deltas == ["one", " two", " three"])
    }

    @Test("ensemble strategies stream the chosen answer word by word")
    func ensembleStreams() async throws {
        var config = try OrchestratorTests.configuration(providers: ["a", "b"], cache: false)
        config.tasks["t"]?.strategy = .voting
        let a = ScriptedProvider(name: "a", behaviour: .answer("same answer", delay: .zero))
        let b = ScriptedProvider(name: "b", behaviour: .answer("same answer", delay: .zero))
        let log = EventLog()
        let answer = try await Orchestrator(configuration: config, providers: [a, b]).stream(
            OrchestratorTests.request()
        ) { log.append($0) }
        #expect(answer.strategy == .voting)
        #expect(log.all.first == .started(provider: answer.provider, model: answer.model))
        #expect(log.deltas == ["same", " answer"])
        #expect(log.all.last == .completed(answer))
    }
}

/// A provider streaming fixed pieces, counting those its consumer has taken.
final class PacedProvider: Provider {
    let name: String
    let model: String
    let system = "paced"
    let serverAddress = "in-process"
    let supportedTasks: Set<String> = []
    private let pieces: [String]
    private let failure: PoolError?
    private let taken = Mutex(0)

    /// Streams `pieces`, then answers, or fails with `failure` when there is one.
    init(name: String, pieces: [String], then failure: PoolError? = nil) {
        self.name = name
        self.model = "\(name)-model"
        self.pieces = pieces
        self.failure = failure
    }

    /// Pieces whose `onDelta` returned.
    var handedOver: Int { taken.withLock { $0 } }

    func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        ProviderResponse(text: pieces.joined(), model: model, usage: .init(inputTokens: 1, outputTokens: pieces.count))
    }

    func stream(
        _ request: ProviderRequest,
        onDelta: @escaping @Sendable (String) async throws -> Void
    ) async throws -> ProviderResponse {
        for piece in pieces {
            try await onDelta(piece)
            taken.withLock { $0 += 1 }
        }
        if let failure { throw failure }
        return try await complete(request)
    }

    func health() async -> ProviderHealth { .init(healthy: true) }
}

@Suite("Orchestrator: streaming from the cache", .timeLimit(.minutes(1)))
struct CachedStreamTests {
    @Test("a cached answer is replayed as word deltas that concatenate to the text")
    func replays() async throws {
        let a = ScriptedProvider(name: "a", behaviour: .answer("alpha beta  gamma", delay: .zero))
        let orchestrator = try OrchestratorTests.orchestrator([a])
        _ = try await orchestrator.infer(OrchestratorTests.request(temperature: 0))
        let log = EventLog()
        let answer = try await orchestrator.stream(OrchestratorTests.request(temperature: 0)) { log.append($0) }
        #expect(answer.cached)
        #expect(log.deltas == ["alpha", " beta", "  gamma"])
        #expect(log.all.last == .completed(answer))
        #expect(a.calls == 1)
    }
}
