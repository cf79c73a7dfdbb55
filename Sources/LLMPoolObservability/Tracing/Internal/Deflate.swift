/// A DEFLATE (RFC 1951) encoder: one final block with the fixed Huffman codes, LZ77 matches found
/// through a hash of the next three bytes and a bounded chain of earlier positions.
enum Deflate {
    private static let windowSize = 32_768
    private static let minMatch = 3
    private static let maxMatch = 258
    private static let maxChain = 32
    private static let hashBits = 15

    // RFC 1951 §3.2.5: length codes 257...285 and distance codes 0...29, base values and extra bits.
    private static let lengthBase: [Int] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    private static let lengthExtra: [Int] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBase: [Int] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtra: [Int] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    static func compress(_ input: [UInt8]) -> [UInt8] {
        var writer = BitWriter()
        writer.write(1, bits: 1)  // BFINAL
        writer.write(1, bits: 2)  // BTYPE = 01, fixed Huffman codes
        var head = [Int](repeating: -1, count: 1 << hashBits)
        var previous = [Int](repeating: -1, count: windowSize)
        var position = 0
        while position < input.count {
            let (length, distance) = longestMatch(input, at: position, head: head, previous: previous)
            if length >= minMatch {
                writeMatch(length: length, distance: distance, to: &writer)
                for index in position..<(position + length) {
                    insert(input, at: index, head: &head, previous: &previous)
                }
                position += length
            } else {
                writeLiteralOrLength(Int(input[position]), to: &writer)
                insert(input, at: position, head: &head, previous: &previous)
                position += 1
            }
        }
        writeLiteralOrLength(256, to: &writer)  // end of block
        return writer.finish()
    }

    private static func hash(_ input: [UInt8], at position: Int) -> Int? {
        guard position + minMatch <= input.count else { return nil }
        let value = Int(input[position]) << 16 | Int(input[position + 1]) << 8 | Int(input[position + 2])
        return (value &* 0x9E37_79B1) >> (32 - hashBits) & ((1 << hashBits) - 1)
    }

    private static func insert(_ input: [UInt8], at position: Int, head: inout [Int], previous: inout [Int]) {
        guard let key = hash(input, at: position) else { return }
        previous[position % windowSize] = head[key]
        head[key] = position
    }

    private static func longestMatch(_ input: [UInt8], at position: Int, head: [Int], previous: [Int]) -> (
        length: Int, distance: Int
    ) {
        guard let key = hash(input, at: position) else { return (0, 0) }
        let limit = min(maxMatch, input.count - position)
        var best = (length: 0, distance: 0)
        var candidate = head[key]
        var steps = 0
        while candidate >= 0, position - candidate <= windowSize, steps < maxChain {
            var length = 0
            while length < limit, input[candidate + length] == input[position + length] {
                length += 1
            }
            if length > best.length {
                best = (length, position - candidate)
                if length == limit { break }
            }
            let next = previous[candidate % windowSize]
            // A slot overwritten by a newer position points forward; stop rather than loop.
            guard next < candidate else { break }
            candidate = next
            steps += 1
        }
        return best
    }

    private static func writeMatch(length: Int, distance: Int, to writer: inout BitWriter) {
        let lengthCode = lengthBase.lastIndex { $0 <= length }!
        writeLiteralOrLength(257 + lengthCode, to: &writer)
        writer.write(UInt32(length - lengthBase[lengthCode]), bits: lengthExtra[lengthCode])
        let distanceCode = distanceBase.lastIndex { $0 <= distance }!
        writer.writeHuffman(UInt32(distanceCode), bits: 5)
        writer.write(UInt32(distance - distanceBase[distanceCode]), bits: distanceExtra[distanceCode])
    }

    // RFC 1951 §3.2.6, the fixed literal/length code.
    private static func writeLiteralOrLength(_ symbol: Int, to writer: inout BitWriter) {
        switch symbol {
        case 0...143: writer.writeHuffman(UInt32(0x30 + symbol), bits: 8)
        case 144...255: writer.writeHuffman(UInt32(0x190 + symbol - 144), bits: 9)
        case 256...279: writer.writeHuffman(UInt32(symbol - 256), bits: 7)
        default: writer.writeHuffman(UInt32(0xC0 + symbol - 280), bits: 8)
        }
    }
}
