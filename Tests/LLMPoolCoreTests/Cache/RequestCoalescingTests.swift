import LLMPoolCore
import LLMPoolObservability
import LLMPoolTesting
import Synchronization
import Testing

@Suite("Coalescing identical in-flight requests", .timeLimit(.minutes(1)))
struct RequestCoalescingTests {
    static func orchestrator(_ provider: any Provider, clock: ManualPoolClock) throws -> (Orchestrator, PoolTelemetry) {
        var config = PoolConfiguration()
        config.providers = [
            ProviderConfiguration(
                name: provider.name,
                kind: .ollama,
                baseURL: "http://127.0.0.1:1",
                model: provider.model
            )
        ]
        config.tasks["t"] = TaskConfiguration(
            name: "t",
            providers: [provider.name],
            promptPath: "t.md",
            template: try PromptTemplate(source: "{{input}}"),
            temperature: 0
        )
        let telemetry = PoolTelemetry.makeStandalone()
        let orchestrator = Orchestrator(
            configuration: config,
            providers: [provider],
            cache: InMemoryAnswerCache(configuration: config.cache),
            clock: clock,
            telemetry: telemetry
        )
        return (orchestrator, telemetry)
    }

    static func request(_ id: String, deadline: Duration = .seconds(2)) -> InferenceRequest {
        InferenceRequest(requestID: id, task: "t", input: "same question", deadline: deadline)
    }

    @Test("ten identical requests make one upstream call and all get the answer")
    func coalesces() async throws {
        let clock = ManualPoolClock()
        let gate = ProviderGate()
        let provider = ScriptedProvider(name: "p", behaviour: .gated("shared answer", gate))
        let (orchestrator, telemetry) = try Self.orchestrator(provider, clock: clock)
        let answers = try await withThrowingTaskGroup(of: InferenceAnswer.self) { group in
            for index in 0..<10 {
                group.addTask { try await orchestrator.infer(Self.request("r\(index)")) }
            }
            // Every caller waits on its own deadline, and the shared call on its own.
            await clock.waitForSleepers(11)
            gate.open()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(provider.calls == 1)
        #expect(answers.count == 10)
        #expect(Set(answers.map(\.text)) == ["shared answer"])
        #expect(Set(answers.map(\.requestID)) == Set((0..<10).map { "r\($0)" }), "each caller keeps its own request id")
        #expect(telemetry.metrics.cacheRequests.labels("memory", "coalesced").value == 9)
        // Once answered, the next identical request is a cache hit, not a new call.
        let again = try await orchestrator.infer(Self.request("later"))
        #expect(again.cached)
        #expect(provider.calls == 1)
    }

    @Test("a caller that gives up does not fail the others waiting on the same call")
    func cancellationOfOneWaiter() async throws {
        let clock = ManualPoolClock()
        let gate = ProviderGate()
        let provider = ScriptedProvider(name: "p", behaviour: .gated("survives", gate))
        let (orchestrator, _) = try Self.orchestrator(provider, clock: clock)
        let first = Task { try await orchestrator.infer(Self.request("a")) }
        await gate.waitForWaiters(1)
        let second = Task { try await orchestrator.infer(Self.request("b")) }
        await clock.waitForSleepers(3)  // both callers' deadlines and the shared call's
        first.cancel()
        await #expect(throws: CancellationError.self) { try await first.value }
        gate.open()
        let answer = try await second.value
        #expect(answer.text == "survives")
        #expect(answer.decision.reason.hasPrefix("coalesced"))
        #expect(provider.calls == 1)
        #expect(provider.cancellations == 0)
    }

    @Test("a joiner arriving as the last waiter leaves still gets its answer")
    func joinerAfterTheLastWaiterLeft() async throws {
        let clock = ManualPoolClock()
        let provider = SlowToCancelProvider()
        let (orchestrator, _) = try Self.orchestrator(provider, clock: clock)
        let first = Task { try await orchestrator.infer(Self.request("a")) }
        await provider.hold.waitForWaiters(1)
        first.cancel()
        // The shared call is cancelled but has not finished unwinding: it is dying, still in flight.
        await provider.unwind.waitForWaiters(1)
        let second = Task { try await orchestrator.infer(Self.request("b")) }
        let answer = try await second.value
        #expect(answer.text == "answer 2", "a fresh call, not the cancellation of the dying one")
        #expect(!answer.decision.reason.hasPrefix("coalesced"))
        provider.unwind.open()
        await #expect(throws: CancellationError.self) { try await first.value }
        #expect(provider.calls == 2)
    }

    @Test("a joiner with a shorter deadline times out alone")
    func shorterDeadlineTimesOutAlone() async throws {
        let clock = ManualPoolClock()
        let gate = ProviderGate()
        let provider = ScriptedProvider(name: "p", behaviour: .gated("for the patient", gate))
        let (orchestrator, _) = try Self.orchestrator(provider, clock: clock)
        let patient = Task { try await orchestrator.infer(Self.request("patient", deadline: .seconds(10))) }
        await gate.waitForWaiters(1)
        let hurried = Task { try await orchestrator.infer(Self.request("hurried", deadline: .seconds(1))) }
        await clock.waitForSleepers(3)  // both callers' deadlines and the shared call's
        clock.advance(by: .seconds(1))
        let error = await #expect(throws: PoolError.self) { try await hurried.value }
        #expect(error?.code == .deadlineExceeded)
        #expect(provider.cancellations == 0, "the shared call goes on for the patient caller")
        gate.open()
        let answer = try await patient.value
        #expect(answer.text == "for the patient")
        #expect(provider.calls == 1)
    }

    @Test("a first caller with a shorter deadline does not cut short a joiner that may wait longer")
    func firstCallersDeadlineIsItsOwn() async throws {
        let clock = ManualPoolClock()
        let gate = ProviderGate()
        let provider = ScriptedProvider(name: "p", behaviour: .gated("for the joiner", gate))
        let (orchestrator, _) = try Self.orchestrator(provider, clock: clock)
        let hurried = Task { try await orchestrator.infer(Self.request("hurried", deadline: .seconds(1))) }
        await gate.waitForWaiters(1)
        let patient = Task { try await orchestrator.infer(Self.request("patient", deadline: .seconds(10))) }
        await clock.waitForSleepers(3)
        clock.advance(by: .seconds(2))
        let error = await #expect(throws: PoolError.self) { try await hurried.value }
        #expect(error?.code == .deadlineExceeded)
        gate.open()
        #expect(try await patient.value.text == "for the joiner")
        #expect(provider.cancellations == 0)
    }

    @Test("different inputs are not coalesced")
    func distinctKeys() async throws {
        let provider = ScriptedProvider(name: "p", behaviour: .answer("x", delay: .zero))
        let (orchestrator, _) = try Self.orchestrator(provider, clock: ManualPoolClock())
        async let a = orchestrator.infer(InferenceRequest(requestID: "a", task: "t", input: "one"))
        async let b = orchestrator.infer(InferenceRequest(requestID: "b", task: "t", input: "two"))
        _ = try await (a, b)
        #expect(provider.calls == 2)
    }
}

/// A provider whose first call holds until cancelled, then takes until `unwind` opens to end;
/// later calls answer at once with `answer <n>`.
final class SlowToCancelProvider: Provider {
    let name = "p"
    let model = "p-model"
    let system = "scripted"
    let serverAddress = "in-process"
    let supportedTasks: Set<String> = []
    /// Where the first call waits until it is cancelled.
    let hold = ProviderGate()
    /// Where the cancelled first call waits before it ends.
    let unwind = ProviderGate()
    private let count = Mutex(0)

    var calls: Int { count.withLock { $0 } }

    func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        let call = count.withLock { count in
            count += 1
            return count
        }
        if call == 1 {
            try? await hold.wait()
            await unwind.waitIgnoringCancellation()
            throw PoolError(code: .cancelled, message: "\(name) cancelled")
        }
        return ProviderResponse(text: "answer \(call)", model: model, usage: .init(inputTokens: 1, outputTokens: 2))
    }

    func stream(
        _ request: ProviderRequest,
        onDelta: @escaping @Sendable (String) async throws -> Void
    ) async throws -> ProviderResponse {
        let response = try await complete(request)
        try await onDelta(response.text)
        return response
    }

    func health() async -> ProviderHealth { .init(healthy: true) }
}
