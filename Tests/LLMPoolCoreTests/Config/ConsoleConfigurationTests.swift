import LLMPoolCore
import Testing

@Suite("[console] configuration")
struct ConsoleConfigurationTests {
    static func load(_ console: String) throws -> PoolConfiguration {
        try ConfigurationLoader.parse(
            ConfigurationLoaderTests.valid + "\n" + console,
            prompts: ConfigurationLoaderTests.prompts
        )
    }

    static func issues(_ console: String) -> [String] {
        do {
            _ = try load(console)
            return []
        } catch let error as ConfigurationError {
            return error.issues.map { "\($0.keyPath): \($0.message)" }
        } catch {
            return ["\(error)"]
        }
    }

    @Test("absent: on, no inputs, 200 decisions, no trace link")
    func defaults() throws {
        let console = try Self.load("").console
        #expect(console == ConsoleConfiguration(enabled: true, showInputs: false, decisions: 200, traceLink: nil))
    }

    @Test("every key is read")
    func values() throws {
        let console = try Self.load(
            """
            [console]
            enabled = false
            show_inputs = true
            decisions = 50
            trace_link = "http://jaeger:16686/trace/{trace_id}"
            """
        ).console
        #expect(!console.enabled && console.showInputs && console.decisions == 50)
        #expect(console.traceLink == "http://jaeger:16686/trace/{trace_id}")
    }

    @Test(
        "errors name the key",
        arguments: [
            ("decisions = 0", "console.decisions: must be between 1 and 10000, found 0"),
            ("decisions = \"many\"", "console.decisions: must be an integer"),
            ("trace_link = \"http://jaeger/trace\"", "console.trace_link: must contain {trace_id}"),
            ("trace_link = \"jaeger/{trace_id}\"", "console.trace_link: must be an http:// or https:// URL"),
            ("show_inputs = 1", "console.show_inputs: must be true or false"),
            ("colour = \"blue\"", "console.colour: unknown key"),
        ]
    )
    func errors(line: String, expected: String) {
        let issues = Self.issues("[console]\n\(line)")
        #expect(issues.count == 1)
        #expect(issues.first?.hasPrefix(expected) == true, "\(issues)")
    }
}
