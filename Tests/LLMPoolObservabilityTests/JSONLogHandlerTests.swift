import Foundation
import LLMPoolObservability
import Logging
import Testing

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    @Test("one JSON object per line with metadata as top-level fields")
    func writesJSON() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString).jsonl").path
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        var logger = Logger(label: "test") { JSONLogHandler(label: $0, level: .info, sink: .init(handle: handle)) }
        logger[metadataKey: "request_id"] = "r1"
        logger.info("request", metadata: ["status": .stringConvertible(200), "task": "judge"])
        logger.debug("hidden")
        try handle.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["msg"] as? String == "request")
        #expect(object["request_id"] as? String == "r1")
        #expect(object["status"] as? Int == 200)
        #expect(object["task"] as? String == "judge")
        #expect(object["level"] as? String == "info")
    }
}
