import LLMPoolCore
import Testing

@Suite("Prompt templates")
struct PromptTemplateTests {
    @Test("renders placeholders and keeps text around them")
    func renders() throws {
        let template = try PromptTemplate(source: "Q: {{input}} ({{ lang }}) {{input}}!")
        #expect(template.placeholders == ["input", "lang"])
        #expect(template.render(["input": "x", "lang": "en"]) == "Q: x (en) x!")
    }

    @Test("rejects malformed placeholders", arguments: ["{{input", "{{}}", "{{a b}}", "{{a-b}}"])
    func rejects(_ source: String) {
        #expect(throws: PoolError.self) { try PromptTemplate(source: source) }
    }
}
