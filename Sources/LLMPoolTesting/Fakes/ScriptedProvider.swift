import LLMPoolCore
import Synchronization

/// An in-process ``Provider`` whose behaviour a test scripts: a fixed answer after a delay, or a
/// failure. Counts its calls and cancellations. For end-to-end tests use `ProviderSimulator` (LLMPoolSimulator).
public final class ScriptedProvider: Provider {
    /// What the next calls do.
    public enum Behaviour: Sendable {
        /// Answer `text` after `delay`, streaming it word by word.
        case answer(String, delay: Duration)
        /// Answer `text` after a delay drawn from `latency` at each call (heavy-tailed backends
        /// for benchmarks).
        case sampled(String, latency: @Sendable () -> Duration)
        /// Fail with `error` after `delay`.
        case fail(PoolError, delay: Duration)
        /// Never answer (until cancelled).
        case hang
    }

    public let name: String
    public let model: String
    public let system = "scripted"
    public let serverAddress = "in-process"
    public let supportedTasks: Set<String>
    private let state: Mutex<(behaviour: Behaviour, calls: Int, cancelled: Int, requests: [ProviderRequest])>

    /// Creates a provider.
    public init(name: String, model: String? = nil, tasks: Set<String> = [], behaviour: Behaviour) {
        self.name = name
        self.model = model ?? "\(name)-model"
        self.supportedTasks = tasks
        self.state = Mutex((behaviour, 0, 0, []))
    }

    /// Changes what later calls do.
    public func setBehaviour(_ behaviour: Behaviour) { state.withLock { $0.behaviour = behaviour } }
    /// Calls made so far.
    public var calls: Int { state.withLock { $0.calls } }
    /// Calls cancelled before they finished.
    public var cancellations: Int { state.withLock { $0.cancelled } }
    /// Requests received, in order.
    public var requests: [ProviderRequest] { state.withLock { $0.requests } }

    public func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        let behaviour = state.withLock { state in
            state.calls += 1
            state.requests.append(request)
            return state.behaviour
        }
        do {
            switch behaviour {
            case .answer(let text, let delay):
                try await Task.sleep(for: delay)
                return ProviderResponse(
                    text: text,
                    model: model,
                    usage: .init(inputTokens: 3, outputTokens: text.split(separator: " ").count)
                )
            case .sampled(let text, let latency):
                try await Task.sleep(for: latency())
                return ProviderResponse(
                    text: text,
                    model: model,
                    usage: .init(inputTokens: 3, outputTokens: text.split(separator: " ").count)
                )
            case .fail(let error, let delay):
                try await Task.sleep(for: delay)
                throw error
            case .hang:
                try await Task.sleep(for: .seconds(3600))
                throw PoolError(code: .internal, message: "unreachable")
            }
        } catch is CancellationError {
            state.withLock { $0.cancelled += 1 }
            throw PoolError(code: .cancelled, message: "\(name) cancelled")
        }
    }

    public func stream(_ request: ProviderRequest) -> AsyncThrowingStream<ProviderStreamEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let response = try await self.complete(request)
                    for word in response.text.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
                        continuation.yield(.delta(word.offset == 0 ? String(word.element) : " " + word.element))
                    }
                    continuation.yield(.done(response))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func health() async -> ProviderHealth {
        if case .fail = state.withLock({ $0.behaviour }) { return .init(healthy: false, detail: "scripted failure") }
        return .init(healthy: true)
    }
}
