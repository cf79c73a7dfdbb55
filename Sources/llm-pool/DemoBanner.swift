import Foundation

/// The few lines `llm-pool demo` prints when its output is a terminal: where the APIs, the
/// console and `/metrics` are, and three requests to copy.
enum DemoBanner {
    /// Whether standard output is a terminal (not a pipe or a file, where the banner would only
    /// get in the way of the JSON log lines).
    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    static func text(httpPort: Int, grpcPort: Int, traffic: Bool, models: [String]) -> String {
        let http = "http://127.0.0.1:\(httpPort)"
        return """

            llm-pool demo: simulated \(models.joined(separator: ", "))\(traffic ? " (with --traffic)" : "")
              HTTP API  \(http)   native /v1/infer, OpenAI-compatible /v1/chat/completions
              gRPC API  127.0.0.1:\(grpcPort)   vvtv.llmpool.v1.LlmPool
              Console   \(http)/console
              Metrics   \(http)/metrics

            Try:
              curl -s \(http)/v1/infer -H 'content-type: application/json' \\
                -d '{"task":"expand_queries","input":"swift server frameworks"}'
              curl -s \(http)/v1/chat/completions -H 'content-type: application/json' \\
                -d '{"model":"pool/judge","messages":[{"role":"user","content":"best vector database?"}]}'
              curl -s \(http)/v1/admin/decisions?limit=1

            """
    }
}
