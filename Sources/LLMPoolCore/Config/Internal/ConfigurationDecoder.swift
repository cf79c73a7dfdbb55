import Foundation
import LLMPoolObservability
import TOMLKit

/// Turns a TOML table into a ``PoolConfiguration``, reporting type and range errors to the reader.
struct ConfigurationDecoder {
    let reader: TOMLReader
    let prompts: ConfigurationLoader.PromptSource

    mutating func decode(_ root: TOMLTable) -> PoolConfiguration {
        reader.rejectUnknownKeys(
            root,
            at: "",
            known: [
                "server", "providers", "tasks", "qos", "cache", "logging", "telemetry", "security", "slo",
                "rate_limits", "tracing", "redis", "health", "console",
            ]
        )
        var config = PoolConfiguration()
        if let table = reader.table(root, "server", at: "") { config.server = decodeServer(table) }
        if let table = reader.table(root, "qos", at: "") { config.qos = decodeQoS(table) }
        if let table = reader.table(root, "cache", at: "") { config.cache = decodeCache(table) }
        if let table = reader.table(root, "logging", at: "") { config.logging = decodeLogging(table) }
        if let table = reader.table(root, "security", at: "") { config.security = decodeSecurity(table) }
        if let table = reader.table(root, "rate_limits", at: "") { config.rateLimits = decodeRateLimits(table) }
        if let table = reader.table(root, "telemetry", at: "") { config.telemetry = decodeTelemetry(table) }
        config.tracing.serviceVersion = LLMPoolVersion.current
        if let table = reader.table(root, "tracing", at: "") { config.tracing = decodeTracing(table) }
        config.providers = decodeProviders(root)
        if let tasks = reader.table(root, "tasks", at: "") {
            for name in tasks.keys.sorted() {
                guard let table = reader.table(tasks, name, at: "tasks") else { continue }
                if let task = decodeTask(name: name, table) { config.tasks[name] = task }
            }
        } else {
            reader.report("tasks", "at least one [tasks.NAME] table is required")
        }
        if let table = reader.table(root, "slo", at: "") {
            config.slos = decodeSLOs(table, tasks: Set(config.tasks.keys))
        }
        if let table = reader.table(root, "redis", at: "") { config.redis = decodeRedis(table) }
        if let table = reader.table(root, "health", at: "") { config.health = decodeHealth(table) }
        if let table = reader.table(root, "console", at: "") { config.console = decodeConsole(table) }
        if config.redis == nil {
            if config.cache.enabled, config.cache.backend == .redis {
                reader.report("cache.backend", "is 'redis' but there is no [redis] table with a url")
            }
            if config.rateLimits.enabled, config.rateLimits.backend == .redis {
                reader.report("rate_limits.backend", "is 'redis' but there is no [redis] table with a url")
            }
        }
        return config
    }

    private func decodeServer(_ t: TOMLTable) -> ServerConfiguration {
        let p = "server"
        reader.rejectUnknownKeys(
            t,
            at: p,
            known: [
                "host", "http_port", "grpc_port", "max_body_bytes", "drain_timeout_ms", "idle_timeout_ms",
                "read_timeout_ms",
            ]
        )
        let d = ServerConfiguration.defaults
        var server = ServerConfiguration(
            host: reader.string(t, "host", at: p, default: d.host) ?? d.host,
            httpPort: reader.int(t, "http_port", at: p, default: d.httpPort, range: 0...65535),
            grpcPort: reader.int(t, "grpc_port", at: p, default: d.grpcPort, range: 0...65535),
            maxBodyBytes: reader.int(t, "max_body_bytes", at: p, default: d.maxBodyBytes, range: 1024...(1 << 30)),
            drainTimeout: reader.milliseconds(t, "drain_timeout_ms", at: p, default: d.drainTimeout)
        )
        server.idleTimeout = reader.milliseconds(t, "idle_timeout_ms", at: p, default: d.idleTimeout)
        server.readTimeout = reader.milliseconds(t, "read_timeout_ms", at: p, default: d.readTimeout)
        return server
    }

    private func decodeProviders(_ root: TOMLTable) -> [ProviderConfiguration] {
        guard let value = root["providers"] else {
            reader.report("providers", "at least one [[providers]] entry is required")
            return []
        }
        guard let array = value.array else {
            reader.report("providers", "must be an array of tables ([[providers]]), found \(value.type)")
            return []
        }
        var result: [ProviderConfiguration] = []
        for (index, element) in array.enumerated() {
            let p = "providers[\(index)]"
            guard let t = element.table else {
                reader.report(p, "must be a table")
                continue
            }
            reader.rejectUnknownKeys(
                t,
                at: p,
                known: [
                    "name", "kind", "base_url", "model", "description", "timeout_ms", "weight", "api_key_env",
                    "endpoint", "tasks", "health_interval_ms", "health_timeout_ms", "warmup", "idle_timeout_ms",
                    "upstream_streaming", "keep_alive", "embeddings",
                ]
            )
            let name = reader.string(t, "name", at: p, required: true) ?? ""
            let kindName = reader.string(t, "kind", at: p, default: "ollama") ?? "ollama"
            let kind = ProviderConfiguration.Kind(rawValue: kindName)
            if kind == nil {
                reader.report(
                    reader.join(p, "kind"),
                    "must be one of \(ProviderConfiguration.Kind.allCases.map(\.rawValue).joined(separator: ", ")), found '\(kindName)'"
                )
            }
            let endpointName = reader.string(t, "endpoint", at: p, default: "chat") ?? "chat"
            let endpoint = ProviderConfiguration.OllamaEndpoint(rawValue: endpointName)
            if endpoint == nil {
                reader.report(reader.join(p, "endpoint"), "must be 'chat' or 'generate', found '\(endpointName)'")
            }
            var entry = ProviderConfiguration(
                name: name,
                kind: kind ?? .ollama,
                baseURL: reader.string(t, "base_url", at: p, required: true) ?? "",
                model: reader.string(t, "model", at: p, required: true) ?? "",
                description: reader.string(t, "description", at: p, default: "") ?? "",
                timeout: reader.milliseconds(t, "timeout_ms", at: p, default: .seconds(30)),
                weight: reader.double(t, "weight", at: p, default: 1),
                apiKeyEnv: reader.string(t, "api_key_env", at: p),
                ollamaEndpoint: endpoint ?? .chat,
                tasks: reader.strings(t, "tasks", at: p) ?? []
            )
            entry.idleTimeout = reader.milliseconds(t, "idle_timeout_ms", at: p, default: entry.idleTimeout)
            entry.upstreamStreaming = reader.bool(
                t,
                "upstream_streaming",
                at: p,
                default: ProviderConfiguration.streamsUpstreamByDefault(entry.kind)
            )
            entry.healthInterval = optionalMilliseconds(t, "health_interval_ms", at: p)
            entry.healthTimeout = optionalMilliseconds(t, "health_timeout_ms", at: p)
            entry.warmup = reader.bool(t, "warmup", at: p, default: false)
            entry.embeddings = reader.bool(t, "embeddings", at: p, default: false)
            entry.keepAlive = keepAlive(t, at: p)
            result.append(entry)
        }
        return result
    }

    /// `keep_alive`: a Go duration as Ollama parses it (`30s`, `5m`, `1h30m`, `-1m`), or a number
    /// of seconds written as a string (`"0"`, `"-1"`).
    private func keepAlive(_ t: TOMLTable, at p: String) -> String? {
        guard let value = reader.string(t, "keep_alive", at: p) else { return nil }
        let pattern = /^-?([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^-?[0-9]+$/
        guard value.wholeMatch(of: pattern) != nil else {
            reader.report(
                reader.join(p, "keep_alive"),
                "must be a duration such as \"5m\", \"1h30m\", \"0\" or \"-1\", found '\(value)'"
            )
            return nil
        }
        return value
    }

    private func optionalMilliseconds(_ t: TOMLTable, _ key: String, at p: String) -> Duration? {
        guard t[key] != nil else { return nil }
        return reader.milliseconds(t, key, at: p, default: .seconds(1))
    }

    private func decodeHealth(_ t: TOMLTable) -> HealthConfiguration {
        let p = "health"
        reader.rejectUnknownKeys(t, at: p, known: ["interval_ms", "timeout_ms", "passive_window_ms"])
        let d = HealthConfiguration.defaults
        return .init(
            interval: reader.milliseconds(t, "interval_ms", at: p, default: d.interval),
            timeout: reader.milliseconds(t, "timeout_ms", at: p, default: d.timeout),
            passiveWindow: reader.milliseconds(t, "passive_window_ms", at: p, default: d.passiveWindow, minimum: 0)
        )
    }

    private func decodeTask(name: String, _ t: TOMLTable) -> TaskConfiguration? {
        let p = "tasks.\(name)"
        reader.rejectUnknownKeys(
            t,
            at: p,
            known: [
                "strategy", "providers", "prompt", "max_tokens", "temperature", "variables", "json_output", "cacheable",
                "system", "context_window_fallback", "json_schema",
            ]
        )
        let strategyName = reader.string(t, "strategy", at: p, default: "FASTEST") ?? "FASTEST"
        let strategy = StrategyKind(name: strategyName)
        if strategy == nil {
            reader.report(
                reader.join(p, "strategy"),
                "must be one of \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", ")), found '\(strategyName)'"
            )
        }
        var variables: [String: String] = [:]
        if let table = reader.table(t, "variables", at: p) {
            for key in table.keys {
                if let value = reader.string(table, key, at: reader.join(p, "variables")) { variables[key] = value }
            }
        }
        let promptPath = reader.string(t, "prompt", at: p, required: true) ?? ""
        var template = try! PromptTemplate(source: "{{input}}")
        if !promptPath.isEmpty {
            do {
                template = try PromptTemplate(source: try prompts(promptPath))
            } catch let error as PoolError {
                reader.report(reader.join(p, "prompt"), "\(promptPath): \(error.message)")
            } catch {
                reader.report(
                    reader.join(p, "prompt"),
                    "cannot read prompt template '\(promptPath)': \(error.localizedDescription)"
                )
            }
        }
        var task = TaskConfiguration(
            name: name,
            strategy: strategy ?? .fastest,
            providers: reader.strings(t, "providers", at: p) ?? [],
            promptPath: promptPath,
            template: template,
            maxTokens: reader.int(t, "max_tokens", at: p, default: 512),
            temperature: reader.double(t, "temperature", at: p, default: 0.2, range: 0...2),
            variables: variables,
            jsonOutput: reader.bool(t, "json_output", at: p, default: false),
            cacheable: reader.bool(t, "cacheable", at: p, default: true),
            systemPrompt: reader.string(t, "system", at: p),
            jsonSchema: jsonSchema(t, at: p)
        )
        task.contextWindowFallback = reader.strings(t, "context_window_fallback", at: p) ?? []
        if let path = reader.string(t, "json_schema", at: p), !Self.isInlineJSON(path) { task.jsonSchemaPath = path }
        return task
    }

    private static func isInlineJSON(_ value: String) -> Bool {
        value.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{")
    }

    /// `json_schema`: a JSON object written inline, or the path of a file holding one (relative to
    /// the configuration file, read like the prompts).
    private func jsonSchema(_ t: TOMLTable, at p: String) -> JSONValue? {
        guard let value = reader.string(t, "json_schema", at: p) else { return nil }
        let key = reader.join(p, "json_schema")
        let inline = Self.isInlineJSON(value)
        let text: String
        if inline {
            text = value
        } else {
            do {
                text = try prompts(value)
            } catch {
                reader.report(key, "cannot read JSON schema file '\(value)': \(error.localizedDescription)")
                return nil
            }
        }
        let source = inline ? "inline schema" : "'\(value)'"
        guard let schema = try? JSONValue(parsing: text) else {
            reader.report(key, "\(source) is not valid JSON")
            return nil
        }
        guard schema.objectValue != nil else {
            reader.report(key, "\(source) must be a JSON object (a JSON schema)")
            return nil
        }
        return schema
    }

    private func decodeQoS(_ t: TOMLTable) -> QoSConfiguration {
        let p = "qos"
        reader.rejectUnknownKeys(
            t,
            at: p,
            known: [
                "default_deadline_ms", "max_deadline_ms", "max_prompt_bytes", "max_tokens", "hedging",
                "circuit_breaker", "retry", "weighted", "consensus",
            ]
        )
        let d = QoSConfiguration.defaults
        var qos = QoSConfiguration(
            defaultDeadline: reader.milliseconds(t, "default_deadline_ms", at: p, default: d.defaultDeadline),
            maxDeadline: reader.milliseconds(t, "max_deadline_ms", at: p, default: d.maxDeadline),
            maxPromptBytes: reader.int(t, "max_prompt_bytes", at: p, default: d.maxPromptBytes, range: 1...(64 << 20)),
            maxTokens: reader.int(t, "max_tokens", at: p, default: d.maxTokens, range: 1...1_000_000),
            hedging: d.hedging,
            circuitBreaker: d.circuitBreaker
        )
        if let h = reader.table(t, "hedging", at: p) {
            let hp = "qos.hedging"
            reader.rejectUnknownKeys(
                h,
                at: hp,
                known: [
                    "enabled", "quantile", "static_delay_ms", "min_delay_ms", "max_delay_ms", "max_hedges",
                    "budget_ratio",
                ]
            )
            let hd = HedgingConfiguration.defaults
            qos.hedging = .init(
                enabled: reader.bool(h, "enabled", at: hp, default: hd.enabled),
                quantile: reader.double(h, "quantile", at: hp, default: hd.quantile, range: 0.5...0.999),
                staticDelay: reader.milliseconds(h, "static_delay_ms", at: hp, default: hd.staticDelay),
                minDelay: reader.milliseconds(h, "min_delay_ms", at: hp, default: hd.minDelay),
                maxDelay: reader.milliseconds(h, "max_delay_ms", at: hp, default: hd.maxDelay),
                maxHedges: reader.int(h, "max_hedges", at: hp, default: hd.maxHedges, range: 0...8),
                budgetRatio: reader.double(h, "budget_ratio", at: hp, default: hd.budgetRatio, range: 0...1)
            )
        }
        if let c = reader.table(t, "circuit_breaker", at: p) {
            let cp = "qos.circuit_breaker"
            reader.rejectUnknownKeys(
                c,
                at: cp,
                known: [
                    "enabled", "consecutive_failures", "failure_rate", "minimum_calls", "window_ms", "cooldown_ms",
                    "half_open_probes",
                ]
            )
            let cd = CircuitBreakerConfiguration.defaults
            qos.circuitBreaker = .init(
                enabled: reader.bool(c, "enabled", at: cp, default: cd.enabled),
                consecutiveFailures: reader.int(
                    c,
                    "consecutive_failures",
                    at: cp,
                    default: cd.consecutiveFailures,
                    range: 1...10_000
                ),
                failureRate: reader.double(c, "failure_rate", at: cp, default: cd.failureRate, range: 0.01...1),
                minimumCalls: reader.int(c, "minimum_calls", at: cp, default: cd.minimumCalls, range: 1...100_000),
                window: reader.milliseconds(c, "window_ms", at: cp, default: cd.window),
                cooldown: reader.milliseconds(c, "cooldown_ms", at: cp, default: cd.cooldown),
                halfOpenProbes: reader.int(c, "half_open_probes", at: cp, default: cd.halfOpenProbes, range: 1...1000)
            )
        }
        if let r = reader.table(t, "retry", at: p) { qos.retry = decodeRetry(r) }
        if let w = reader.table(t, "weighted", at: p) { qos.weighted = decodeWeighted(w) }
        if let c = reader.table(t, "consensus", at: p) {
            let cp = "qos.consensus"
            reader.rejectUnknownKeys(c, at: cp, known: ["threshold", "quorum", "fallback"])
            let d = ConsensusConfiguration.defaults
            let fallback = reader.string(c, "fallback", at: cp, default: "error") ?? "error"
            if fallback != "error", fallback != "best" {
                reader.report(
                    reader.join(cp, "fallback"),
                    "must be 'error' (fail with no_consensus) or 'best' (answer with the best-supported candidate), found '\(fallback)'"
                )
            }
            qos.consensus = .init(
                threshold: reader.double(c, "threshold", at: cp, default: d.threshold, range: 0.05...1),
                quorum: reader.int(c, "quorum", at: cp, default: d.quorum, range: 1...16),
                fallbackToBest: fallback == "best"
            )
        }
        return qos
    }

    private func decodeRetry(_ t: TOMLTable) -> RetryConfiguration {
        let p = "qos.retry"
        reader.rejectUnknownKeys(
            t,
            at: p,
            known: ["enabled", "budget_ratio", "min_retries_per_second", "max_attempts"]
        )
        let d = RetryConfiguration.defaults
        return .init(
            enabled: reader.bool(t, "enabled", at: p, default: d.enabled),
            budgetRatio: reader.double(t, "budget_ratio", at: p, default: d.budgetRatio, range: 0...1),
            minRetriesPerSecond: reader.double(
                t,
                "min_retries_per_second",
                at: p,
                default: d.minRetriesPerSecond,
                range: 0...10_000
            ),
            maxAttempts: reader.int(t, "max_attempts", at: p, default: d.maxAttempts, range: 1...16)
        )
    }

    private func decodeWeighted(_ t: TOMLTable) -> WeightedConfiguration {
        let p = "qos.weighted"
        reader.rejectUnknownKeys(
            t,
            at: p,
            known: [
                "selection", "latency_quantile", "window_ms", "min_samples", "half_open_penalty", "unhealthy_penalty",
            ]
        )
        let d = WeightedConfiguration.defaults
        let selectionName = reader.string(t, "selection", at: p, default: d.selection.rawValue) ?? d.selection.rawValue
        let selection = WeightedConfiguration.Selection(rawValue: selectionName)
        if selection == nil {
            reader.report(
                reader.join(p, "selection"),
                "must be one of \(WeightedConfiguration.Selection.allCases.map(\.rawValue).joined(separator: ", ")), found '\(selectionName)'"
            )
        }
        return .init(
            selection: selection ?? d.selection,
            latencyQuantile: reader.double(
                t,
                "latency_quantile",
                at: p,
                default: d.latencyQuantile,
                range: 0.5...0.999
            ),
            window: reader.milliseconds(t, "window_ms", at: p, default: d.window, minimum: 1000),
            minSamples: reader.int(t, "min_samples", at: p, default: d.minSamples, range: 1...100_000),
            halfOpenPenalty: reader.double(t, "half_open_penalty", at: p, default: d.halfOpenPenalty, range: 0...1),
            unhealthyPenalty: reader.double(t, "unhealthy_penalty", at: p, default: d.unhealthyPenalty, range: 0...1)
        )
    }

    private func decodeCache(_ t: TOMLTable) -> CacheConfiguration {
        let p = "cache"
        reader.rejectUnknownKeys(t, at: p, known: ["enabled", "backend", "ttl_seconds", "capacity", "max_bytes"])
        let d = CacheConfiguration.defaults
        var cache = CacheConfiguration(
            enabled: reader.bool(t, "enabled", at: p, default: d.enabled),
            ttl: .seconds(reader.int(t, "ttl_seconds", at: p, default: 300, range: 1...(30 * 86_400))),
            capacity: reader.int(t, "capacity", at: p, default: d.capacity, range: 1...10_000_000),
            maxBytes: reader.int(t, "max_bytes", at: p, default: d.maxBytes, range: 1024...(1 << 40))
        )
        let backend = reader.string(t, "backend", at: p, default: "memory") ?? "memory"
        if let value = CacheConfiguration.Backend(rawValue: backend) {
            cache.backend = value
        } else {
            reader.report(reader.join(p, "backend"), "must be 'memory' or 'redis', found '\(backend)'")
        }
        return cache
    }

    /// `[redis]`: `url` (or `url_env`, the name of a variable holding it, for URLs with passwords).
    private func decodeRedis(_ t: TOMLTable) -> RedisConfiguration? {
        let p = "redis"
        reader.rejectUnknownKeys(
            t,
            at: p,
            known: ["url", "url_env", "pool_size", "connect_timeout_ms", "command_timeout_ms", "key_prefix"]
        )
        var url = reader.string(t, "url", at: p)
        if let name = reader.string(t, "url_env", at: p) {
            if let value = ProcessInfo.processInfo.environment[name], !value.isEmpty {
                url = value
            } else {
                reader.report(reader.join(p, "url_env"), "names the environment variable '\(name)', which is not set")
                return nil
            }
        }
        guard let url else {
            reader.report(p, "needs url = \"redis://host:port/db\" or url_env")
            return nil
        }
        var redis: RedisConfiguration
        do {
            redis = try RedisConfiguration(url: url)
        } catch {
            reader.report(reader.join(p, "url"), error.message)
            return nil
        }
        redis.poolSize = reader.int(t, "pool_size", at: p, default: redis.poolSize, range: 1...256)
        redis.connectTimeout = reader.milliseconds(t, "connect_timeout_ms", at: p, default: redis.connectTimeout)
        redis.commandTimeout = reader.milliseconds(t, "command_timeout_ms", at: p, default: redis.commandTimeout)
        redis.keyPrefix = reader.string(t, "key_prefix", at: p, default: redis.keyPrefix) ?? redis.keyPrefix
        return redis
    }

    private func decodeLogging(_ t: TOMLTable) -> LoggingConfiguration {
        let p = "logging"
        reader.rejectUnknownKeys(t, at: p, known: ["level", "format"])
        let d = LoggingConfiguration.defaults
        return .init(
            level: reader.string(t, "level", at: p, default: d.level) ?? d.level,
            format: reader.string(t, "format", at: p, default: d.format) ?? d.format
        )
    }
}
