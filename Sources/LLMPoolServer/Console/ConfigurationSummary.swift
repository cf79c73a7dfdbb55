import Foundation
import LLMPoolCore
import LLMPoolObservability

/// The configuration in force as the console shows it: one entry per TOML key path, in file
/// order, with nothing secret in it. Keys that hold or may hold a secret (Redis passwords,
/// tracing headers, HMAC keys, the JWT secret) read `[redacted]`; keys naming an environment
/// variable or a file show the name only, never what it holds.
enum ConfigurationSummary {
    static let redacted = "[redacted]"

    static func entries(_ c: PoolConfiguration) -> [ConsoleState.ConfigEntry] {
        var out: [ConsoleState.ConfigEntry] = []
        func add(_ key: String, _ value: any CustomStringConvertible) {
            out.append(.init(key: key, value: value.description))
        }
        func ms(_ duration: Duration) -> String { "\(duration.milliseconds)" }
        add("server.host", c.server.host)
        add("server.http_port", c.server.httpPort)
        add("server.grpc_port", c.server.grpcPort)
        add("server.max_body_bytes", c.server.maxBodyBytes)
        add("server.drain_timeout_ms", ms(c.server.drainTimeout))
        for (index, p) in c.providers.enumerated() {
            let k = "providers[\(index)]"
            add("\(k).name", p.name)
            add("\(k).kind", p.kind.rawValue)
            add("\(k).base_url", redactingUserInfo(p.baseURL))
            add("\(k).model", p.model)
            add("\(k).weight", p.weight)
            add("\(k).timeout_ms", ms(p.timeout))
            add("\(k).idle_timeout_ms", ms(p.idleTimeout))
            add("\(k).upstream_streaming", p.upstreamStreaming)
            if let env = p.apiKeyEnv { add("\(k).api_key_env", env) }
            if !p.tasks.isEmpty { add("\(k).tasks", p.tasks.joined(separator: ", ")) }
        }
        for task in c.tasks.values.sorted(by: { $0.name < $1.name }) {
            let k = "tasks.\(task.name)"
            add("\(k).strategy", task.strategy.rawValue)
            add("\(k).providers", task.providers.joined(separator: ", "))
            add("\(k).prompt", task.promptPath)
            add("\(k).max_tokens", task.maxTokens)
            add("\(k).temperature", task.temperature)
            add("\(k).json_output", task.jsonOutput)
            add("\(k).cacheable", task.cacheable)
        }
        qos(c.qos, add: add, ms: ms)
        add("cache.enabled", c.cache.enabled)
        add("cache.backend", c.cache.backendName)
        add("cache.ttl_seconds", c.cache.ttl.components.seconds)
        add("cache.capacity", c.cache.capacity)
        add("cache.max_bytes", c.cache.maxBytes)
        if let redis = c.redis {
            add("redis.url", "redis://\(redis.password == nil ? "" : "\(redacted)@")\(redis.host):\(redis.port)")
            add("redis.pool_size", redis.poolSize)
        }
        add("health.interval_ms", ms(c.health.interval))
        add("health.timeout_ms", ms(c.health.timeout))
        add("telemetry.enabled", c.telemetry.enabled)
        add("telemetry.series_limit", c.telemetry.seriesLimit)
        add("telemetry.recent_window_ms", ms(c.telemetry.recentWindow))
        add("tracing.enabled", c.tracing.enabled)
        add("tracing.endpoint", c.tracing.tracesURL)
        add("tracing.sampler", c.tracing.sampler.kind.rawValue)
        add("tracing.sampler_ratio", c.tracing.sampler.ratio)
        for name in c.tracing.headers.keys.sorted() { add("tracing.headers.\(name)", redacted) }
        for slo in c.slos.sorted(by: { $0.task < $1.task }) {
            add("slo.\(slo.task).availability", slo.availabilityTarget)
            add("slo.\(slo.task).latency_threshold_ms", ms(slo.latencyThreshold))
            add("slo.\(slo.task).latency_target", slo.latencyTarget)
        }
        add("security.enabled", c.security.enabled)
        if c.security.enabled {
            add("security.mode", c.security.mode.rawValue)
            add("security.protect_metrics", c.security.protectMetrics)
            if let env = c.security.hmac.keysEnv { add("security.hmac.keys_env", env) }
            if !c.security.hmac.keys.isEmpty { add("security.hmac.keys", redacted) }
            if let env = c.security.jwt.hmacSecretEnv { add("security.jwt.hmac_secret_env", env) }
        }
        add("rate_limits.enabled", c.rateLimits.enabled)
        add("logging.level", c.logging.level)
        add("console.enabled", c.console.enabled)
        add("console.show_inputs", c.console.showInputs)
        add("console.decisions", c.console.decisions)
        if let link = c.console.traceLink { add("console.trace_link", link) }
        return out
    }

    private static func qos(
        _ q: QoSConfiguration,
        add: (String, any CustomStringConvertible) -> Void,
        ms: (Duration) -> String
    ) {
        add("qos.default_deadline_ms", ms(q.defaultDeadline))
        add("qos.max_deadline_ms", ms(q.maxDeadline))
        add("qos.hedging.enabled", q.hedging.enabled)
        add("qos.hedging.quantile", q.hedging.quantile)
        add("qos.hedging.static_delay_ms", ms(q.hedging.staticDelay))
        add("qos.hedging.max_hedges", q.hedging.maxHedges)
        add("qos.hedging.budget_ratio", q.hedging.budgetRatio)
        add("qos.circuit_breaker.enabled", q.circuitBreaker.enabled)
        add("qos.circuit_breaker.consecutive_failures", q.circuitBreaker.consecutiveFailures)
        add("qos.circuit_breaker.failure_rate", q.circuitBreaker.failureRate)
        add("qos.circuit_breaker.cooldown_ms", ms(q.circuitBreaker.cooldown))
        add("qos.retry.enabled", q.retry.enabled)
        add("qos.retry.max_attempts", q.retry.maxAttempts)
        add("qos.weighted.selection", q.weighted.selection.rawValue)
        add("qos.weighted.latency_quantile", q.weighted.latencyQuantile)
    }

    /// `http://user:secret@host/` → `http://[redacted]@host/`.
    static func redactingUserInfo(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else {
            return url
        }
        let slash = url[scheme.upperBound...].firstIndex(of: "/") ?? url.endIndex
        guard at < slash else { return url }
        return String(url[..<scheme.upperBound]) + redacted + String(url[at...])
    }
}
