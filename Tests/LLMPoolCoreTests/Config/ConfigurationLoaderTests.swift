import Foundation
import LLMPoolCore
import Testing

@Suite("Configuration loading and validation")
struct ConfigurationLoaderTests {
    static let prompts: ConfigurationLoader.PromptSource = { path in
        switch path {
        case "p.md": return "Answer {{input}} in {{language}}."
        case "plain.md": return "Just {{input}}"
        case "noinput.md": return "No input here"
        case "unknown.md": return "Use {{input}} and {{mystery}}"
        case "broken.md": return "Broken {{input"
        default: throw CocoaError(.fileNoSuchFile)
        }
    }

    static let valid = """
        [server]
        http_port = 7071
        grpc_port = 7070

        [[providers]]
        name = "a"
        kind = "ollama"
        base_url = "http://127.0.0.1:11434"
        model = "phi3:mini"

        [[providers]]
        name = "b"
        kind = "openai"
        base_url = "http://127.0.0.1:8000/v1"
        model = "llama"
        api_key_env = "B_KEY"
        timeout_ms = 1000

        [tasks.t]
        strategy = "FASTEST"
        providers = ["a", "b"]
        prompt = "p.md"
        [tasks.t.variables]
        language = "en"
        """

    @Test("a valid file decodes into typed configuration")
    func validFile() throws {
        let config = try ConfigurationLoader.parse(Self.valid, prompts: Self.prompts)
        #expect(config.providers.map(\.name) == ["a", "b"])
        #expect(config.providers[1].kind == .openai)
        #expect(config.providers[1].timeout == .milliseconds(1000))
        #expect(config.providers[1].apiKeyEnv == "B_KEY")
        #expect(config.tasks["t"]?.strategy == .fastest)
        #expect(config.tasks["t"]?.template.placeholders == ["input", "language"])
        #expect(config.server.httpPort == 7071)
        #expect(config.qos == .defaults)
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        var name: String
        var replace: (String, String)
        var keyPath: String
        var message: String
        var line: Int?
        var testDescription: String { name }
    }

    static let badCases: [BadCase] = [
        .init(
            name: "port out of range",
            replace: ("http_port = 7071", "http_port = 70000"),
            keyPath: "server.http_port",
            message: "between 0 and 65535",
            line: 2
        ),
        .init(
            name: "same ports",
            replace: ("grpc_port = 7070", "grpc_port = 7071"),
            keyPath: "server.grpc_port",
            message: "must differ",
            line: 3
        ),
        .init(
            name: "unknown key",
            replace: ("http_port = 7071", "htp_port = 7071"),
            keyPath: "server.htp_port",
            message: "unknown key",
            line: 2
        ),
        .init(
            name: "wrong type",
            replace: ("timeout_ms = 1000", "timeout_ms = \"fast\""),
            keyPath: "providers[1].timeout_ms",
            message: "must be an integer",
            line: 17
        ),
        .init(
            name: "zero timeout",
            replace: ("timeout_ms = 1000", "timeout_ms = 0"),
            keyPath: "providers[1].timeout_ms",
            message: "must be >= 1",
            line: 17
        ),
        .init(
            name: "bad kind",
            replace: ("kind = \"openai\"", "kind = \"anthropic\""),
            keyPath: "providers[1].kind",
            message: "must be one of ollama, openai",
            line: 13
        ),
        .init(
            name: "bad url",
            replace: ("http://127.0.0.1:11434", "localhost:11434"),
            keyPath: "providers[0].base_url",
            message: "http:// or https://",
            line: 8
        ),
        .init(
            name: "missing model",
            replace: ("model = \"llama\"", ""),
            keyPath: "providers[1].model",
            message: "is required",
            line: 11
        ),
        .init(
            name: "duplicate provider",
            replace: ("name = \"b\"", "name = \"a\""),
            keyPath: "providers[1].name",
            message: "duplicate provider name",
            line: 12
        ),
        .init(
            name: "unknown provider in task",
            replace: ("providers = [\"a\", \"b\"]", "providers = [\"a\", \"c\"]"),
            keyPath: "tasks.t.providers[1]",
            message: "unknown provider 'c'",
            line: 21
        ),
        .init(
            name: "bad strategy",
            replace: ("strategy = \"FASTEST\"", "strategy = \"QUICKEST\""),
            keyPath: "tasks.t.strategy",
            message: "must be one of FASTEST, VOTING",
            line: 20
        ),
        .init(
            name: "missing prompt file",
            replace: ("prompt = \"p.md\"", "prompt = \"missing.md\""),
            keyPath: "tasks.t.prompt",
            message: "cannot read prompt template",
            line: 22
        ),
        .init(
            name: "template without input",
            replace: ("prompt = \"p.md\"", "prompt = \"noinput.md\""),
            keyPath: "tasks.t.prompt",
            message: "must use {{input}}",
            line: 22
        ),
        .init(
            name: "undeclared placeholder",
            replace: ("prompt = \"p.md\"", "prompt = \"unknown.md\""),
            keyPath: "tasks.t.prompt",
            message: "{{mystery}} has no value",
            line: 22
        ),
        .init(
            name: "unclosed placeholder",
            replace: ("prompt = \"p.md\"", "prompt = \"broken.md\""),
            keyPath: "tasks.t.prompt",
            message: "unclosed placeholder",
            line: 22
        ),
        .init(
            name: "placeholder variable removed",
            replace: ("language = \"en\"", ""),
            keyPath: "tasks.t.prompt",
            message: "{{language}} has no value",
            line: 22
        ),
        .init(
            name: "syntax error",
            replace: ("[tasks.t]", "[tasks.t"),
            keyPath: "",
            message: "TOML syntax error",
            line: 19
        ),
    ]

    @Test("a broken file is rejected naming the key and line", arguments: badCases)
    func rejects(_ bad: BadCase) throws {
        let text = Self.valid.replacingOccurrences(of: bad.replace.0, with: bad.replace.1)
        #expect(text != Self.valid, "replacement must apply")
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse(text, prompts: Self.prompts)
        }
        let issue = try #require(error.issues.first { $0.keyPath == bad.keyPath }, "issues: \(error.issues)")
        #expect(issue.message.contains(bad.message), "\(issue)")
        if let line = bad.line { #expect(issue.line == line, "\(issue)") }
    }

    @Test("every problem is reported at once")
    func reportsAll() throws {
        let text = Self.valid
            .replacingOccurrences(of: "http_port = 7071", with: "http_port = -1")
            .replacingOccurrences(of: "timeout_ms = 1000", with: "timeout_ms = 0")
            .replacingOccurrences(of: "strategy = \"FASTEST\"", with: "strategy = \"NOPE\"")
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse(text, prompts: Self.prompts)
        }
        #expect(
            Set(error.issues.map(\.keyPath)) == ["server.http_port", "providers[1].timeout_ms", "tasks.t.strategy"]
        )
        #expect(error.issues.map(\.line) == error.issues.map(\.line).sorted { ($0 ?? 0) < ($1 ?? 0) })
    }

    @Test("the shipped llm-pool.toml is valid and names the three seed models and six tasks")
    func shippedFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let config = try ConfigurationLoader.load(path: root.appendingPathComponent("llm-pool.toml").path)
        #expect(Set(config.providers.map(\.model)) == ["phi3:mini", "llama3.1:8b", "gemma2:9b"])
        #expect(
            Set(config.tasks.keys) == [
                "expand_queries", "enrich_metadata", "recovery_plan", "judge", "rerank_candidates", "site_tactics",
            ]
        )
        #expect(config.server.grpcPort == 7070 && config.server.httpPort == 7071)
        #expect(config.providers.allSatisfy { $0.baseURL == "http://127.0.0.1:11434" })
    }
}
