import NIOCore
import Testing

@testable import LLMPoolCore

@Suite("Provider stream parsing")
struct ProviderStreamParsingTests {
    static let ndjson = "{\"a\":1}\r\n{\"b\":\"é\"}\n\n{\"c\":3}"

    @Test("Lines come out whole wherever the bytes are cut", arguments: 0...17)
    func splitAnywhere(cut: Int) throws {
        var splitter = ByteLineSplitter()
        let bytes = Array(Self.ndjson.utf8)
        var lines = try splitter.append(ByteBuffer(bytes: bytes[..<cut]))
        lines += try splitter.append(ByteBuffer(bytes: bytes[cut...]))
        lines += splitter.finish().map { [$0] } ?? []
        #expect(lines == ["{\"a\":1}", "{\"b\":\"é\"}", "", "{\"c\":3}"])
    }

    @Test("An endless line is refused")
    func tooLong() {
        var splitter = ByteLineSplitter(maxLineBytes: 8)
        #expect(throws: ByteLineSplitter.LineTooLong.self) { try splitter.append(ByteBuffer(string: "0123456789")) }
    }

    @Test("Server-sent events: multi-line data, comments, other fields")
    func serverSentEvents() {
        var parser = SSEEventParser()
        let lines = [
            ": keep-alive", "event: message", "data: {\"x\":", "data:1}", "id: 7", "", "data: [DONE]", "", "data: tail",
        ]
        var events = lines.compactMap { parser.consume(line: $0) }
        events += parser.finish().map { [$0] } ?? []
        #expect(events == ["{\"x\":\n1}", "[DONE]", "tail"])
    }
}
