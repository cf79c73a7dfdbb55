import Testing

@testable import LLMPoolObservability

extension TracingTests {
    @Suite("Gzip")
    struct GzipTests {
        static let inputs: [[UInt8]] = [
            [],
            Array("a".utf8),
            Array(String(repeating: "gen_ai.request.model=phi3:mini;", count: 500).utf8),
            (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) },
            (0..<100_000).map { UInt8($0 % 251) },
        ]

        @Test("output decodes with gzip to the input", .enabled(if: GzipTool.path != nil), arguments: inputs)
        func roundTrip(_ input: [UInt8]) throws {
            #expect(try GzipTool.decompress(Gzip.compress(input)) == input)
        }

        @Test("repetitive input compresses")
        func compresses() {
            let input = Array(String(repeating: "gen_ai.request.model=phi3:mini;", count: 500).utf8)
            #expect(Gzip.compress(input).count < input.count / 10)
        }

        @Test("output is one gzip member: magic, deflate, and the input size in the trailer")
        func framing() throws {
            let input = Array(String(repeating: "span ", count: 1_000).utf8)
            let output = Gzip.compress(input)
            try #require(output.count >= 18)
            #expect(output.prefix(3) == [0x1F, 0x8B, 8])
            // RFC 1952 §2.3.1: ISIZE, the input size modulo 2^32, little-endian.
            let size = output.suffix(4).reversed().reduce(0) { $0 << 8 | Int($1) }
            #expect(size == input.count)
        }
    }
}
