import LLMPoolCore
import LLMPoolObservability

/// The settings a running pool cannot change: they were bound when the process started.
///
/// - `server.*`: the listeners are bound to the host and ports, the routes and the gRPC transport
///   were built with `max_body_bytes`, and shutdown reads `drain_timeout_ms`.
/// - `cache.*`, `redis`: the cache was created with its backend, size and TTL, the Redis client
///   with its address.
/// - `logging.*`: swift-log is bootstrapped once per process.
/// - `telemetry`, `tracing`, `slo`: the registry, span exporter and SLO tracker are made at startup.
/// - `console`: its routes and its decision ring are made at start-up.
/// (`security` and `rate_limits` are reported here too, but the runtime's applier puts them into
/// force live: the front doors read their guards from a ``GuardsHolder``.)
enum RestartOnlySettings {
    /// One setting whose new value waits for a restart.
    struct Change: Sendable, Hashable, CustomStringConvertible {
        /// The TOML key path, such as `server.http_port`.
        var keyPath: String
        /// The value in force.
        var running: String
        /// The value in the file.
        var requested: String

        var description: String { "\(keyPath): \(running) -> \(requested)" }
    }

    /// The restart-only settings whose values differ between `running` and `requested`.
    static func changes(running: PoolConfiguration, requested: PoolConfiguration) -> [Change] {
        let pairs: [(String, String, String)] = [
            ("server.host", running.server.host, requested.server.host),
            ("server.http_port", "\(running.server.httpPort)", "\(requested.server.httpPort)"),
            ("server.grpc_port", "\(running.server.grpcPort)", "\(requested.server.grpcPort)"),
            ("server.max_body_bytes", "\(running.server.maxBodyBytes)", "\(requested.server.maxBodyBytes)"),
            (
                "server.drain_timeout_ms", milliseconds(running.server.drainTimeout),
                milliseconds(requested.server.drainTimeout)
            ),
            ("cache.enabled", "\(running.cache.enabled)", "\(requested.cache.enabled)"),
            ("cache.backend", running.cache.backendName, requested.cache.backendName),
            (
                "cache.ttl_seconds", "\(running.cache.ttl.components.seconds)",
                "\(requested.cache.ttl.components.seconds)"
            ),
            ("cache.capacity", "\(running.cache.capacity)", "\(requested.cache.capacity)"),
            ("cache.max_bytes", "\(running.cache.maxBytes)", "\(requested.cache.maxBytes)"),
            ("logging.level", running.logging.level, requested.logging.level),
            ("logging.format", running.logging.format, requested.logging.format),
        ]
        // Whole sections, compared as values: their keys are reported by section.
        let sections: [(String, Bool)] = [
            ("telemetry", running.telemetry == requested.telemetry),
            ("tracing", running.tracing == requested.tracing),
            ("slo", running.slos == requested.slos),
            ("security", running.security == requested.security),
            ("rate_limits", running.rateLimits == requested.rateLimits),
            ("redis", running.redis == requested.redis),
            ("console", running.console == requested.console),
        ]
        return pairs.filter { $0.1 != $0.2 }.map { Change(keyPath: $0.0, running: $0.1, requested: $0.2) }
            + sections.filter { !$0.1 }.map { Change(keyPath: $0.0, running: "(running)", requested: "(changed)") }
    }

    /// `requested` with every restart-only setting kept at its `running` value.
    static func keepingRunning(_ running: PoolConfiguration, in requested: PoolConfiguration) -> PoolConfiguration {
        var result = requested
        result.server = running.server
        result.cache = running.cache
        result.logging = running.logging
        result.telemetry = running.telemetry
        result.tracing = running.tracing
        result.slos = running.slos
        result.security = running.security
        result.rateLimits = running.rateLimits
        result.redis = running.redis
        result.console = running.console
        return result
    }

    private static func milliseconds(_ duration: Duration) -> String {
        "\(duration.milliseconds)"
    }
}
