import LLMPoolCore

/// The configuration `llm-pool demo` uses when no `llm-pool.toml` is at hand: the three seed
/// models and the six tasks, with short built-in prompts.
enum EmbeddedConfiguration {
    static let toml = """
        [[providers]]
        name = "phi3-mini"
        description = "Phi-3 Mini 4B"
        base_url = "http://127.0.0.1:11434"
        model = "phi3:mini"
        [[providers]]
        name = "llama31-8b"
        description = "Llama 3.1 8B"
        base_url = "http://127.0.0.1:11434"
        model = "llama3.1:8b"
        [[providers]]
        name = "gemma2-9b"
        description = "Gemma 2 9B"
        base_url = "http://127.0.0.1:11434"
        model = "gemma2:9b"
        [tasks.expand_queries]
        providers = ["phi3-mini", "gemma2-9b"]
        prompt = "expand_queries"
        [tasks.enrich_metadata]
        providers = ["phi3-mini", "gemma2-9b"]
        prompt = "enrich_metadata"
        [tasks.recovery_plan]
        providers = ["phi3-mini", "llama31-8b"]
        prompt = "recovery_plan"
        [tasks.judge]
        strategy = "JUDGE"
        providers = ["llama31-8b", "gemma2-9b"]
        prompt = "judge"
        [tasks.rerank_candidates]
        strategy = "JUDGE"
        providers = ["llama31-8b", "gemma2-9b"]
        prompt = "rerank_candidates"
        [tasks.site_tactics]
        strategy = "JUDGE"
        providers = ["llama31-8b", "gemma2-9b"]
        prompt = "site_tactics"
        [slo.expand_queries]
        availability = 0.99
        latency_threshold_ms = 2000
        latency_target = 0.95
        [slo.enrich_metadata]
        availability = 0.99
        latency_threshold_ms = 3000
        latency_target = 0.95
        [slo.judge]
        availability = 0.99
        latency_threshold_ms = 5000
        latency_target = 0.9
        """

    static func load() throws -> PoolConfiguration {
        try ConfigurationLoader.parse(toml, path: "<embedded>") { task in
            "You are the \(task) step of a search assistant. Answer concisely.\n\n{{input}}\n"
        }
    }
}
