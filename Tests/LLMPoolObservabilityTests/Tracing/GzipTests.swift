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

        @Test("CRC-32 matches the standard check value")
        func crc() {
            #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        }
    }
}
