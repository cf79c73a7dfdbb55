import LLMPoolCore
import LLMPoolTesting
import Testing

/// A provider that streams some pieces, then goes silent until cancelled.
private struct StallingProvider: Provider {
    let name = "stall"
    let model = "stall-model"
    let system = "test"
    let serverAddress = "localhost"
    let supportedTasks: Set<String> = []
    let pieces: Int

    func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        try await stream(request) { _ in }
    }

    func stream(
        _ request: ProviderRequest,
        onDelta: @escaping @Sendable (String) async throws -> Void
    ) async throws -> ProviderResponse {
        for index in 0..<pieces { try await onDelta("w\(index) ") }
        try await Task.sleep(for: .seconds(3600))
        throw CancellationError()
    }

    func health() async -> ProviderHealth { .init(healthy: true) }
}

@Suite("A stream the deadline cuts after its first pieces", .timeLimit(.minutes(1)))
struct StalledStreamTests {
    @Test("the error says which provider stalled and after how many pieces (F14)")
    func stalledMessage() async throws {
        let clock = ManualPoolClock()
        var config = try OrchestratorTests.configuration(providers: ["stall"], hedging: false, cache: false)
        config.providers[0].idleTimeout = .seconds(3600)
        let orchestrator = Orchestrator(configuration: config, providers: [StallingProvider(pieces: 2)], clock: clock)
        let request = OrchestratorTests.request(deadline: .seconds(2))
        async let streamed: Result<InferenceAnswer, PoolError> = {
            do { return .success(try await orchestrator.stream(request) { _ in }) } catch let error as PoolError {
                return .failure(error)
            } catch { return .failure(PoolError(code: .internal, message: "\(error)")) }
        }()
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(3))
        let result = await streamed
        guard case .failure(let error) = result else {
            Issue.record("the stalled stream answered")
            return
        }
        #expect(error.code == .deadlineExceeded)
        #expect(error.message.contains("provider 'stall' stalled after 2 pieces"), "\(error.message)")
    }
}
