import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// The shared heart of a ``ProviderSimulator``: its models, faults and counters, and the timing
/// helpers the route handlers use. One instance serves every connection.
final class SimulatorCore: Sendable {
    /// What to do with one request, decided from the model's faults when it arrives.
    enum Disposition: Sendable {
        /// Answer with this HTTP status and error message (and `Retry-After` seconds, if any).
        case fail(status: Int, message: String, retryAfter: Int? = nil)
        /// Close the connection without answering.
        case reset
        /// Never answer until the client goes away.
        case hang
        /// Answer after `delay` (the total latency, or the time to first token when streaming).
        case answer(delay: Duration, malformed: Bool, stallAfterTokens: Int?)
    }

    let configuration: SimulatorConfiguration
    let models: [String: SimulatedModel]
    let state: Mutex<SimulatorState>
    private let latencies: [String: LatencyModel]

    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
        // Later duplicates win, like a dictionary literal would if it allowed them.
        self.models = Dictionary(configuration.models.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.latencies = models.mapValues { LatencyModel(p50: $0.p50, p99: $0.p99) }
        self.state = Mutex(SimulatorState(modelNames: Array(models.keys)))
    }

    // MARK: Faults and dispositions

    /// The faults of a model, `nil` for an unknown model.
    func faults(for model: String) -> SimulatorFaults? {
        state.withLock { $0.faults[model] }
    }

    /// Replaces a model's faults; false when the model is unknown.
    func setFaults(_ faults: SimulatorFaults, for model: String) -> Bool {
        state.withLock { $0.setFaults(faults, for: model) }
    }

    /// The behavior of a model, `nil` for an unknown model.
    func behavior(for model: String) -> SimulatorBehavior? {
        state.withLock { $0.behaviors[model] }
    }

    /// Replaces a model's behavior; false when the model is unknown.
    func setBehavior(_ behavior: SimulatorBehavior, for model: String) -> Bool {
        guard let wakeups = state.withLock({ $0.setBehavior(behavior, for: model) }) else { return false }
        resume(wakeups)
        return true
    }

    /// Decides how to answer a request for `model`.
    func disposition(for model: SimulatedModel, streaming: Bool) -> Disposition {
        let faults = state.withLock { $0.faults[model.name] } ?? .none
        if let status = faults.forcedStatus {
            return .fail(
                status: status,
                message: "simulated HTTP \(status) from \(model.name)",
                retryAfter: faults.retryAfter
            )
        }
        if faults.errorRate > 0, Double.random(in: 0..<1) < faults.errorRate {
            return .fail(status: 500, message: "simulated internal error in \(model.name)")
        }
        if faults.connectionReset { return .reset }
        if faults.hang || (!streaming && faults.stallAfterTokens != nil) { return .hang }
        var generator = SystemRandomNumberGenerator()
        let base = streaming ? model.timeToFirstToken : (latencies[model.name]?.sample(using: &generator) ?? .zero)
        let delay = (base + faults.extraLatency).scaled(by: configuration.latencyScale)
        return .answer(
            delay: delay,
            malformed: faults.malformedBody,
            stallAfterTokens: streaming ? faults.stallAfterTokens : nil
        )
    }

    /// The delay between two streamed tokens of `model`.
    func perTokenDelay(of model: SimulatedModel) -> Duration {
        model.perTokenDelay.scaled(by: configuration.latencyScale)
    }

    // MARK: Counters

    /// A snapshot of the counters.
    var stats: SimulatorStats { state.withLock { $0.stats } }

    /// Counts and keeps a request for a known model; returns its arrival number.
    func recordRequest(_ request: SimulatedRequest) -> Int {
        let (arrival, waiters) = state.withLock { $0.recordRequest(request) }
        resume(waiters)
        return arrival
    }

    /// The latest requests, oldest first.
    var recentRequests: [SimulatedRequest] { state.withLock { $0.recent } }

    /// Counts a request for an unknown model.
    func recordUnknownModel() {
        resume(state.withLock { $0.recordUnknownModel() })
    }

    /// Counts how a request ended.
    func record(_ outcome: SimulatorState.Outcome, model: String) {
        resume(state.withLock { $0.record(outcome, model: model) })
    }

    /// Runs the part of an answer during which the client may go away, counting the request with
    /// the outcome it returns (completed, interrupted), or as cancelled when it throws.
    func tracking(model: String, _ operation: () async throws -> SimulatorState.Outcome) async throws {
        do {
            record(try await operation(), model: model)
        } catch let error as HangLimitReached {
            record(.faulted, model: model)
            throw error
        } catch {
            record(.cancelled, model: model)
            throw error
        }
    }

    /// Resumes stats waiters whose condition holds, outside the lock.
    func resume(_ waiters: [SimulatorState.StatsWaiter]) {
        guard !waiters.isEmpty else { return }
        let stats = state.withLock { $0.stats }
        for waiter in waiters { waiter.continuation.resume(returning: stats) }
    }

    // MARK: Timing

    /// Holds a request until the client goes away (throwing `CancellationError`) or the hang
    /// limit passes (throwing ``HangLimitReached``). Hummingbird does not cancel a handler when its
    /// client goes away; watching the inbound side of the connection is how a handler finds out
    /// (see ``ClientWatch`` for the answers that wait).
    func hang(request: Request) async throws {
        try await request.body.consumeWithCancellationOnInboundClose { _ in
            try await Self.sleepUntilHangLimit(configuration.hangLimit)
        }
    }

    /// Sleeps for the hang limit (inside a ``ClientWatch`` race when streaming).
    ///
    /// A graceful shutdown ends the sleep too, so a simulator with hanging requests still stops
    /// promptly: the server waits for in-flight requests before it exits.
    static func sleepUntilHangLimit(_ limit: Duration) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: limit) }
        throw HangLimitReached()
    }

    /// Resets the connection: `SO_LINGER` 0 makes the close send a TCP RST instead of a FIN.
    func reset(channel: any Channel) async {
        if let provider = channel as? any SocketOptionProvider {
            _ = try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close()
    }
}

/// Thrown when a hanging or stalled request reaches the configured hang limit.
struct HangLimitReached: Error {}
