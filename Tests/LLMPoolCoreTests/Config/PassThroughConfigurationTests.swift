import Foundation
import LLMPoolCore
import Testing

/// `keep_alive` on providers and `json_schema` on tasks.
@Suite("Configuration: keep_alive and json_schema")
struct PassThroughConfigurationTests {
    static let prompts: ConfigurationLoader.PromptSource = { path in
        switch path {
        case "p.md": return "{{input}}"
        case "schema.json": return #"{"type": "object", "required": ["a"]}"#
        case "list.json": return "[1, 2]"
        default: throw CocoaError(.fileNoSuchFile)
        }
    }

    static func file(keepAlive: String = #""5m""#, schema: String) -> String {
        """
        [[providers]]
        name = "a"
        base_url = "http://127.0.0.1:11434"
        model = "phi3:mini"
        keep_alive = \(keepAlive)

        [tasks.t]
        providers = ["a"]
        prompt = "p.md"
        json_schema = \(schema)
        """
    }

    @Test("keep_alive is kept; a schema comes from a file or inline, and asks for json_schema")
    func valid() throws {
        let fromFile = try ConfigurationLoader.parse(Self.file(schema: #""schema.json""#), prompts: Self.prompts)
        #expect(fromFile.providers[0].keepAlive == "5m")
        let task = try #require(fromFile.tasks["t"])
        #expect(task.jsonSchema == ["type": "object", "required": ["a"]])
        #expect(task.jsonSchemaPath == "schema.json")
        #expect(
            task.responseFormat == ["type": "json_schema", "json_schema": ["name": "t", "schema": task.jsonSchema!]]
        )

        let inline = try ConfigurationLoader.parse(
            Self.file(keepAlive: #""-1""#, schema: #"'{"type": "object"}'"#),
            prompts: Self.prompts
        )
        #expect(inline.providers[0].keepAlive == "-1")
        #expect(inline.tasks["t"]?.jsonSchema == ["type": "object"])
        #expect(inline.tasks["t"]?.jsonSchemaPath == nil)
    }

    @Test(
        "bad values are errors naming the key",
        arguments: [
            (#""soon""#, #""schema.json""#, "providers[0].keep_alive"),
            (#""5m""#, #""missing.json""#, "tasks.t.json_schema"),
            (#""5m""#, #""list.json""#, "tasks.t.json_schema"),
            (#""5m""#, #"'{"type": '"#, "tasks.t.json_schema"),
        ]
    )
    func invalid(keepAlive: String, schema: String, key: String) {
        #expect {
            try ConfigurationLoader.parse(Self.file(keepAlive: keepAlive, schema: schema), prompts: Self.prompts)
        } throws: { error in
            (error as? ConfigurationError)?.issues.contains { $0.keyPath == key } == true
        }
    }
}
