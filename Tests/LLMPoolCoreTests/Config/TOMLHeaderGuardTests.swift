import Foundation
import Testing

@testable import LLMPoolCore

@Suite("Table headers toml++ would assert on are rejected first")
struct TOMLHeaderGuardTests {
    /// scripts/fuzz.sh found `[[!roviders]]` and `[[` followed by bytes that are not UTF-8 aborting
    /// the process inside toml++.
    @Test(
        "a header whose key cannot start so is a syntax error naming its line, not a crash",
        arguments: [
            ("[!x]\n", 1, 2), ("a = 1\n\n[[!providers]]\nname = \"a\"\n", 3, 3), ("[ .x]\n", 1, 3),
            ("[[ +x]]\n", 1, 4), ("[ключ]\n", 1, 2), ("[[\u{FFFD}s]]\n", 1, 3),
            ("x = \"\"\"\n[!in a string]\n\"\"\"\n[\n", 4, 2),
        ]
    )
    func rejected(_ text: String, line: Int, column: Int) throws {
        let fault = try #require(TOMLHeaderGuard.firstInvalidHeader(in: text))
        #expect(fault.line == line)
        #expect(fault.column == column)
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse(text) { _ in "{{input}}" }
        }
        #expect(error.issues.count == 1)
        #expect(error.issues.first?.line == line)
        #expect(error.issues.first?.message.contains("table header's key cannot start with") == true)
    }

    @Test(
        "valid documents pass: brackets in strings, comments and array values are not headers",
        arguments: [
            "system = \"\"\"\n[!NOTE] be brief\n  [.x]\n\"\"\"\n[tasks.t]\n",
            "system = '''\n[!NOTE]\n'''\n[a]\n",
            "m = [\n  [{ a = 1 }],\n  [+1],\n  [ ],\n]\n[b]\n",
            "# [!commented]\n[\"quoted key\"]\n['literal']\n[ a . b ]\n[[c]]\n[_d]\n[-e]\n[9]\n[\"ключ\"]\n",
            "s = \"a \\\" [!x\"\nt = \"\"\"q\"\"\"\"\n[ok]\n",
        ]
    )
    func accepted(_ text: String) {
        #expect(TOMLHeaderGuard.firstInvalidHeader(in: text) == nil)
    }

    @Test("the shipped llm-pool.toml passes")
    func shippedFile() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../llm-pool.toml").standardizedFileURL
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(TOMLHeaderGuard.firstInvalidHeader(in: text) == nil)
    }
}
