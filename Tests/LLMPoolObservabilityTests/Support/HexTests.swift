import Testing

@testable import LLMPoolObservability

@Suite("Hex")
struct HexTests {
    @Test("bytes and numbers encode to lowercase digits")
    func encode() {
        #expect(Hex.encode([0x00, 0x0F, 0xA0, 0xFF]) == "000fa0ff")
        #expect(Hex.encode([UInt8]()) == "")
        #expect(Hex.encode(UInt64(0x00F0_67AA_0BA9_02B7)) == "00f067aa0ba902b7")
        #expect(Hex.encode(UInt8(1)) == "01")
    }

    @Test("decode takes either case and rejects odd lengths and other characters")
    func decode() {
        #expect(Hex.decode("00fA0b") == [0x00, 0xFA, 0x0B])
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("0g") == nil)
    }

    @Test("parse reads up to 16 lowercase digits, as W3C Trace Context requires")
    func parse() {
        #expect(Hex.parse(Array("00f067aa0ba902b7".utf8)[...]) == 0x00F0_67AA_0BA9_02B7)
        #expect(Hex.parse(Array("01".utf8)[...]) == 1)
        #expect(Hex.parse(Array("0A".utf8)[...]) == nil)
        #expect(Hex.parse(Array("".utf8)[...]) == nil)
        #expect(Hex.parse(Array("00000000000000001".utf8)[...]) == nil)
    }

    @Test("big-endian bytes round-trip")
    func bigEndian() {
        let value: UInt64 = 0x0102_0304_0506_0708
        #expect(Hex.bytes(value) == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(Hex.uint64(Hex.bytes(value)) == value)
    }
}
