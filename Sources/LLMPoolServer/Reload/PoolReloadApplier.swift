import LLMPoolCore
import Logging

/// Puts a reloaded configuration into force in a running pool: builds the providers it names as
/// ``PoolComponents`` does at startup (keeping those whose entry did not change, with whatever
/// they have learned) and swaps the orchestrator's ``PoolSnapshot``. Requests take a snapshot when they
/// start, so those already running finish on the configuration they started with.
///
/// Settings bound at startup (`server.*`, `cache.*`, `logging.*`) cannot change live: a change to
/// one of them is logged as requiring a restart and the running value is kept, while the rest of
/// the file is applied. Nothing is applied halfway: the snapshot is replaced only once every
/// provider has been built.
///
/// ```swift
/// let applier = components.reloadApplier()
/// let reloader = ConfigReloader(path: "llm-pool.toml", logger: logger, apply: applier.apply)
/// ```
public struct PoolReloadApplier: Sendable {
    let orchestrator: Orchestrator
    let buildProviders: @Sendable (PoolConfiguration) throws -> [any Provider]
    let logger: Logger
    let overrides: @Sendable (inout PoolConfiguration) -> Void
    /// Builds the guards of new `[security]` and `[rate_limits]` and returns what puts them into
    /// force (run once everything else of the reload has been built); `nil` leaves them restart-only.
    public var prepareGuards: (@Sendable (PoolConfiguration) throws -> @Sendable () -> Void)?

    /// Creates an applier.
    /// - Parameters:
    ///   - orchestrator: The running pool.
    ///   - buildProviders: Builds new and changed providers as at start-up
    ///     (``PoolComponents/buildProviders``).
    ///   - logger: Where restart-only changes are reported.
    ///   - overrides: Applied to every loaded file before it is used, as the command applied its
    ///     flags to the first one (the demo points every provider at its simulator).
    public init(
        orchestrator: Orchestrator,
        buildProviders: @escaping @Sendable (PoolConfiguration) throws -> [any Provider],
        logger: Logger,
        overrides: @escaping @Sendable (inout PoolConfiguration) -> Void = { _ in }
    ) {
        self.orchestrator = orchestrator
        self.buildProviders = buildProviders
        self.logger = logger
        self.overrides = overrides
    }

    /// Applies `loaded` to the pool.
    /// - Throws: ``PoolError`` `invalidConfiguration` when a provider cannot be built (a missing
    ///   `api_key_env` variable); the pool is then left as it was.
    public func apply(_ loaded: PoolConfiguration) async throws {
        var requested = loaded
        overrides(&requested)
        let current = orchestrator.snapshot
        let live: Set<String> = prepareGuards == nil ? [] : ["security", "rate_limits"]
        for change in RestartOnlySettings.changes(running: current.configuration, requested: requested)
        where !live.contains(change.keyPath) {
            logger.warning(
                "configuration change requires restart; ignored until then",
                metadata: [
                    "key_path": "\(change.keyPath)", "running": "\(change.running)", "requested": "\(change.requested)",
                ]
            )
        }
        var next = RestartOnlySettings.keepingRunning(current.configuration, in: requested)
        var commitGuards: (@Sendable () -> Void)?
        if let prepareGuards {
            if requested.security != current.configuration.security
                || requested.rateLimits != current.configuration.rateLimits
            {
                // Built before anything changes: an unusable key fails the whole reload.
                commitGuards = try prepareGuards(requested)
            }
            next.security = requested.security
            next.rateLimits = requested.rateLimits
        }
        let kept: [String: any Provider] = Dictionary(
            uniqueKeysWithValues: next.providers.compactMap { entry in
                guard current.configuration.provider(named: entry.name) == entry,
                    let existing = current.provider(named: entry.name)
                else { return nil }
                return (entry.name, existing)
            }
        )
        // New and changed providers are built exactly as at startup (instrumented when telemetry is on).
        var fresh = next
        fresh.providers = next.providers.filter { kept[$0.name] == nil }
        let built = try buildProviders(fresh)
        var builtByName = Dictionary(uniqueKeysWithValues: zip(fresh.providers.map(\.name), built))
        let providers: [any Provider] = next.providers.compactMap {
            kept[$0.name] ?? builtByName.removeValue(forKey: $0.name)
        }
        orchestrator.replace(PoolSnapshot(configuration: next, providers: providers))
        if let commitGuards {
            commitGuards()
            logger.info(
                "authentication and rate limits reloaded",
                metadata: [
                    "security": "\(next.security.enabled)", "rate_limits": "\(next.rateLimits.enabled)",
                ]
            )
        }
    }
}
