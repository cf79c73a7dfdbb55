import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A fake LLM backend: one loopback HTTP server speaking both Ollama's API and the OpenAI API for
/// a set of ``SimulatedModel``s, with deterministic answers, realistic latencies and injectable
/// faults.
///
/// Endpoints:
/// - Ollama: `POST /api/chat`, `POST /api/generate` (streaming NDJSON unless `"stream": false`),
///   `GET /api/tags`.
/// - OpenAI: `POST /v1/chat/completions` (server-sent events with `"stream": true`),
///   `GET /v1/models`; both check `Authorization: Bearer` when ``SimulatorConfiguration/apiKey`` is set.
/// - Admin: `GET /_simulator/stats`, `GET|PUT|DELETE /_simulator/models/{name}/faults` and
///   `GET|PUT|DELETE /_simulator/models/{name}/behavior` (``SimulatorBehavior``).
///
/// It is a swift-service-lifecycle `Service`: put it in a `ServiceGroup`, or let
/// ``withRunning(models:apiKey:latencyScale:_:)`` start and stop it around a test:
///
/// ```swift
/// try await ProviderSimulator.withRunning(models: [.init(name: "phi3:mini", seed: 1)]) { simulator in
///     let baseURL = simulator.baseURL            // http://127.0.0.1:<port>
///     simulator.setFaults(.init(forcedStatus: 503), for: "phi3:mini")
///     // … call it …
///     _ = try await simulator.waitForStats { $0.models["phi3:mini"]?.cancelled == 1 }
/// }
/// ```
///
/// Client disconnects are observed while a request hangs, stalls, streams, waits for the slot or
/// waits out its latency, and counted as ``SimulatorStats/Model/cancelled``. Watching for them consumes the
/// connection, so such answers carry `Connection: close`; with zero latency (`latencyScale` 0 or
/// ``SimulatedModel/instant(name:seed:answerTokens:)``) and no single slot, connections stay
/// alive, for benchmarks.
///
/// By default the simulator is politer than real servers; ``SimulatorBehavior`` switches on, per
/// model, what llama.cpp, llama-cpp-python, Ollama and vLLM do: one generation slot, listings
/// blocked behind it, streams interrupted by later requests, no usage in streams, a context size,
/// generations that outlive their client, tool calls.
///
/// A simulator runs once: ``run()`` a second time throws.
public final class ProviderSimulator: Service, Sendable {
    /// The configuration it was made with.
    public let configuration: SimulatorConfiguration
    private let core: SimulatorCore
    /// The server's logger.
    let logger: Logger

    /// Creates a simulator; nothing listens until ``run()``.
    ///
    /// - Parameters:
    ///   - configuration: Address, models, API key and latency scale.
    ///   - logger: Logger for the HTTP server. Default: a logger that logs warnings and above.
    public init(configuration: SimulatorConfiguration, logger: Logger? = nil) {
        self.configuration = configuration
        self.core = SimulatorCore(configuration: configuration)
        self.logger =
            logger
            ?? {
                var logger = Logger(label: "llm-pool.simulator")
                logger.logLevel = .warning
                return logger
            }()
    }

    /// Serves until cancelled or gracefully shut down.
    ///
    /// - Throws: ``SimulatorError`` with code `alreadyStarted` when called twice, or the error
    ///   that stopped the server (such as a port already in use).
    public func run() async throws {
        guard core.state.withLock({ $0.markStarting() }) else {
            throw SimulatorError(code: .alreadyStarted, message: "a ProviderSimulator runs once")
        }
        let router = Router(context: SimulatorRequestContext.self)
        OllamaRoutes(core: core).register(on: router)
        OpenAIRoutes(core: core).register(on: router)
        EmbeddingRoutes(core: core).register(on: router)
        AdminRoutes(core: core).register(on: router)

        let core = self.core
        let application = Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "llm-pool-simulator"
            ),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                for waiter in core.state.withLock({ $0.markRunning(port: port) }) { waiter.resume(returning: port) }
            },
            logger: logger
        )
        defer { stopped() }
        try await application.run()
    }

    private func stopped() {
        let (portWaiters, statsWaiters) = core.state.withLock { ($0.markStopped(), $0.removeAllWaiters()) }
        let error = SimulatorError(code: .notRunning, message: "the simulator stopped")
        for waiter in portWaiters { waiter.resume(throwing: error) }
        for waiter in statsWaiters { waiter.continuation.resume(throwing: error) }
    }

    /// Waits until the server listens and returns its port (the real one when configured with 0).
    ///
    /// - Throws: ``SimulatorError`` with code `notRunning` if the server stopped or failed to start.
    public func waitUntilStarted() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            switch core.state.withLock({ $0.port(orWait: continuation) }) {
            case .success(let port): continuation.resume(returning: port)
            case .failure(let error): continuation.resume(throwing: error)
            case nil: break
            }
        }
    }

    /// The bound port, or `nil` before the server listens and after it stops.
    public var port: Int? { core.state.withLock { $0.port } }

    /// The base URL clients use, such as `http://127.0.0.1:54321`, for both APIs (an OpenAI
    /// client may append `/v1`). A wildcard host (`0.0.0.0`, `::`) is given as the loopback address.
    ///
    /// Precondition: the server listens (after ``waitUntilStarted()``).
    public var baseURL: String {
        guard let port else { preconditionFailure("ProviderSimulator.baseURL read before the simulator listens") }
        let host: String
        switch configuration.host {
        case "0.0.0.0", "": host = "127.0.0.1"
        case "::": host = "[::1]"
        case let literal where literal.contains(":"): host = "[\(literal)]"
        case let name: host = name
        }
        return "http://\(host):\(port)"
    }

    /// Replaces a model's faults; takes effect for the next request.
    ///
    /// - Throws: ``SimulatorError`` with code `unknownModel` or `invalidFaults`.
    public func setFaults(_ faults: SimulatorFaults, for model: String) throws(SimulatorError) {
        try faults.validate()
        guard core.setFaults(faults, for: model) else {
            throw SimulatorError(code: .unknownModel, message: "the simulator serves no model '\(model)'")
        }
    }

    /// The faults currently injected into a model, `nil` for an unknown model.
    public func faults(for model: String) -> SimulatorFaults? {
        core.faults(for: model)
    }

    /// Replaces a model's behavior (see ``SimulatorBehavior``); takes effect for the next request,
    /// and at once for requests waiting for the slot.
    ///
    /// - Throws: ``SimulatorError`` with code `unknownModel` or `invalidBehavior`.
    public func setBehavior(_ behavior: SimulatorBehavior, for model: String) throws(SimulatorError) {
        try behavior.validate()
        guard core.setBehavior(behavior, for: model) else {
            throw SimulatorError(code: .unknownModel, message: "the simulator serves no model '\(model)'")
        }
    }

    /// The behavior of a model, `nil` for an unknown model.
    public func behavior(for model: String) -> SimulatorBehavior? {
        core.behavior(for: model)
    }

    /// A snapshot of the request counters.
    public func stats() -> SimulatorStats {
        core.stats
    }

    /// The latest requests received for the simulator's models (at most 256), oldest first:
    /// their prompts, token caps and headers, for tests that check what reached the backend.
    public func recentRequests() -> [SimulatedRequest] {
        core.recentRequests
    }

    /// Waits until the counters satisfy a condition and returns them. Tests use it to wait for
    /// the simulator to observe something (a request arriving, a client going away) without
    /// sleeping; bound the wait with a test time limit.
    ///
    /// - Parameter condition: Evaluated now and after every change of the counters, under the
    ///   simulator's lock: keep it short.
    /// - Throws: `CancellationError` when the waiting task is cancelled, ``SimulatorError`` with
    ///   code `notRunning` when the simulator stops first.
    @discardableResult
    public func waitForStats(_ condition: @escaping @Sendable (SimulatorStats) -> Bool) async throws -> SimulatorStats {
        let registration = Mutex(WaitRegistration.pending)
        let core = self.core
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let waiter = SimulatorState.StatsWaiter(predicate: condition, continuation: continuation)
                switch core.state.withLock({ $0.addWaiter(waiter) }) {
                case .satisfied(let stats):
                    continuation.resume(returning: stats)
                case .stopped:
                    continuation.resume(throwing: SimulatorError(code: .notRunning, message: "the simulator stopped"))
                case .registered(let id):
                    // Cancelled before registering: whoever removes the waiter resumes it, once.
                    if registration.withLock({ $0.register(id) }),
                        let waiter = core.state.withLock({ $0.removeWaiter(id: id) })
                    {
                        waiter.continuation.resume(throwing: CancellationError())
                    }
                }
            }
        } onCancel: {
            let id = registration.withLock { $0.cancel() }
            if let id, let waiter = core.state.withLock({ $0.removeWaiter(id: id) }) {
                waiter.continuation.resume(throwing: CancellationError())
            }
        }
    }
}
