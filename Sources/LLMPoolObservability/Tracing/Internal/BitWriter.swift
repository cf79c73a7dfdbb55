/// Packs bits least-significant first, as DEFLATE requires.
struct BitWriter {
    private var bytes: [UInt8] = []
    private var buffer: UInt32 = 0
    private var count = 0

    /// Writes `bits` bits of `value`, least significant first (header fields and extra bits).
    mutating func write(_ value: UInt32, bits: Int) {
        guard bits > 0 else { return }
        buffer |= (value & ((1 << UInt32(bits)) - 1)) << UInt32(count)
        count += bits
        while count >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            count -= 8
        }
    }

    /// Writes a Huffman code, which DEFLATE packs most significant bit first.
    mutating func writeHuffman(_ code: UInt32, bits: Int) {
        var reversed: UInt32 = 0
        for index in 0..<bits {
            reversed |= (code >> UInt32(index) & 1) << UInt32(bits - 1 - index)
        }
        write(reversed, bits: bits)
    }

    /// The bytes, the last one padded with zero bits.
    mutating func finish() -> [UInt8] {
        if count > 0 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer = 0
            count = 0
        }
        return bytes
    }
}
