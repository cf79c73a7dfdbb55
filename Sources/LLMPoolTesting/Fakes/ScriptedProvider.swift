import LLMPoolCore
import Synchronization

/// An in-process ``Provider`` whose behaviour a test scripts: a fixed answer after a delay, an
/// answer once a ``ProviderGate`` opens, or a failure. Delays run on the provider's clock, so on
/// a ``ManualPoolClock`` they pass only when the test advances it. Counts its calls and
/// cancellations. For end-to-end tests use `ProviderSimulator` (LLMPoolSimulator).
public final class ScriptedProvider: Provider {
    /// What the next calls do.
    public enum Behaviour: Sendable {
        /// Answer `text` after `delay`, streaming it word by word.
        case answer(String, delay: Duration)
        /// Answer `text` after a delay drawn from `latency` at each call (heavy-tailed backends
        /// for benchmarks).
        case sampled(String, latency: @Sendable () -> Duration)
        /// Answer `text` once `gate` is open.
        case gated(String, ProviderGate)
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
    private let clock: any PoolClock
    private let state: Mutex<(behaviour: Behaviour, calls: Int, cancelled: Int, requests: [ProviderRequest])>

    /// Creates a provider.
    /// - Parameter clock: What delays sleep on; default the system clock.
    public init(
        name: String,
        model: String? = nil,
        tasks: Set<String> = [],
        behaviour: Behaviour,
        clock: any PoolClock = SystemPoolClock()
    ) {
        self.name = name
        self.model = model ?? "\(name)-model"
        self.supportedTasks = tasks
        self.clock = clock
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
                try await pause(delay)
                return answer(text)
            case .sampled(let text, let latency):
                try await pause(latency())
                return answer(text)
            case .gated(let text, let gate):
                try await gate.wait()
                return answer(text)
            case .fail(let error, let delay):
                try await pause(delay)
                throw error
            case .hang:
                try await ProviderGate().wait()
                throw PoolError(code: .internal, message: "unreachable")
            }
        } catch is CancellationError {
            state.withLock { $0.cancelled += 1 }
            throw PoolError(code: .cancelled, message: "\(name) cancelled")
        }
    }

    /// Answers as ``complete(_:)`` does, then hands the answer to `onDelta` word by word (each
    /// word after the first with the space before it), awaiting each.
    public func stream(
        _ request: ProviderRequest,
        onDelta: @escaping @Sendable (String) async throws -> Void
    ) async throws -> ProviderResponse {
        let response = try await complete(request)
        for word in response.text.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            try await onDelta(word.offset == 0 ? String(word.element) : " " + word.element)
        }
        return response
    }

    public func health() async -> ProviderHealth {
        if case .fail = state.withLock({ $0.behaviour }) { return .init(healthy: false, detail: "scripted failure") }
        return .init(healthy: true)
    }

    private func pause(_ delay: Duration) async throws {
        if delay > .zero { try await clock.sleep(for: delay) } else { try Task.checkCancellation() }
    }

    private func answer(_ text: String) -> ProviderResponse {
        ProviderResponse(
            text: text,
            model: model,
            usage: .init(inputTokens: 3, outputTokens: text.split(separator: " ").count)
        )
    }
}
