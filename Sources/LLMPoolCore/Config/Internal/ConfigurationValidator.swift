import Foundation

/// Cross-field rules a decoded configuration must satisfy: references between providers and
/// tasks, prompt placeholders, and limits that must be ordered.
struct ConfigurationValidator {
    let reader: TOMLReader

    static let builtinVariables: Set<String> = ["input", "task"]
    static let logLevels: Set<String> = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    func validate(_ config: PoolConfiguration) {
        validateServer(config.server)
        var names: [String: Int] = [:]
        for (index, provider) in config.providers.enumerated() {
            validateProvider(provider, index: index, taskNames: Set(config.tasks.keys))
            if !provider.name.isEmpty, let first = names[provider.name] {
                reader.report(
                    "providers[\(index)].name",
                    "duplicate provider name '\(provider.name)' (also providers[\(first)])"
                )
            }
            names[provider.name] = names[provider.name] ?? index
        }
        for name in config.tasks.keys.sorted() {
            validateTask(config.tasks[name]!, config: config)
        }
        let qos = config.qos
        if qos.defaultDeadline > qos.maxDeadline {
            reader.report("qos.default_deadline_ms", "must not exceed qos.max_deadline_ms")
        }
        if qos.hedging.minDelay > qos.hedging.maxDelay {
            reader.report("qos.hedging.min_delay_ms", "must not exceed qos.hedging.max_delay_ms")
        }
        if !Self.logLevels.contains(config.logging.level) {
            reader.report(
                "logging.level",
                "must be one of \(Self.logLevels.sorted().joined(separator: ", ")), found '\(config.logging.level)'"
            )
        }
        if !["json", "text"].contains(config.logging.format) {
            reader.report("logging.format", "must be 'json' or 'text', found '\(config.logging.format)'")
        }
    }

    private func validateServer(_ server: ServerConfiguration) {
        if server.httpPort != 0, server.httpPort == server.grpcPort {
            reader.report("server.grpc_port", "must differ from server.http_port (\(server.httpPort))")
        }
    }

    private func validateProvider(_ provider: ProviderConfiguration, index: Int, taskNames: Set<String>) {
        let p = "providers[\(index)]"
        if !provider.name.isEmpty, !provider.name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:".contains($0) }) {
            reader.report("\(p).name", "may contain only letters, digits, '-', '_', '.', ':', found '\(provider.name)'")
        }
        if !provider.baseURL.isEmpty {
            if let url = URL(string: provider.baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme),
                url.host != nil
            {
                // valid
            } else {
                reader.report("\(p).base_url", "must be an http:// or https:// URL, found '\(provider.baseURL)'")
            }
        }
        if provider.weight <= 0 {
            reader.report("\(p).weight", "must be > 0, found \(provider.weight)")
        }
        if let env = provider.apiKeyEnv, env.isEmpty || !env.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
            reader.report(
                "\(p).api_key_env",
                "must name an environment variable (letters, digits, '_'), found '\(env)'"
            )
        }
        for (i, task) in provider.tasks.enumerated() where !taskNames.contains(task) {
            reader.report("\(p).tasks[\(i)]", "unknown task '\(task)'")
        }
    }

    private func validateTask(_ task: TaskConfiguration, config: PoolConfiguration) {
        let p = "tasks.\(task.name)"
        if !task.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            reader.report(p, "task names may contain only letters, digits, '_' and '-'")
        }
        if task.providers.isEmpty {
            reader.report("\(p).providers", "must name at least one provider")
        }
        for (i, name) in task.providers.enumerated() {
            guard let provider = config.provider(named: name) else {
                let known = config.providers.map(\.name).joined(separator: ", ")
                reader.report("\(p).providers[\(i)]", "unknown provider '\(name)'; configured: \(known)")
                continue
            }
            if !provider.tasks.isEmpty, !provider.tasks.contains(task.name) {
                reader.report(
                    "\(p).providers[\(i)]",
                    "provider '\(name)' does not list task '\(task.name)' in its tasks"
                )
            }
        }
        for (i, name) in task.contextWindowFallback.enumerated() {
            let key = "\(p).context_window_fallback[\(i)]"
            guard let provider = config.provider(named: name) else {
                let known = config.providers.map(\.name).joined(separator: ", ")
                reader.report(key, "unknown provider '\(name)'; configured: \(known)")
                continue
            }
            if task.providers.contains(name) {
                reader.report(key, "provider '\(name)' already serves the task: a fallback must be another provider")
            } else if !provider.tasks.isEmpty, !provider.tasks.contains(task.name) {
                reader.report(key, "provider '\(name)' does not list task '\(task.name)' in its tasks")
            }
        }
        if task.maxTokens < 1 || task.maxTokens > config.qos.maxTokens {
            reader.report(
                "\(p).max_tokens",
                "must be between 1 and qos.max_tokens (\(config.qos.maxTokens)), found \(task.maxTokens)"
            )
        }
        if !task.promptPath.isEmpty {
            let known = Self.builtinVariables.union(task.variables.keys)
            if !task.template.placeholders.contains("input") {
                reader.report("\(p).prompt", "\(task.promptPath): template must use {{input}}")
            }
            for name in task.template.placeholders where !known.contains(name) {
                let knownList = known.sorted().joined(separator: ", ")
                reader.report(
                    "\(p).prompt",
                    "\(task.promptPath): placeholder {{\(name)}} has no value; "
                        + "declare it under [\(p).variables] (known: \(knownList))"
                )
            }
        }
    }
}
