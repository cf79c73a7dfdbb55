/// gzip (RFC 1952) around our own DEFLATE encoder, for `Content-Encoding: gzip` request bodies.
///
/// Foundation on Linux has no compression API and the package declares no zlib binding, so the
/// body is compressed by ``Deflate``: LZ77 matching with the fixed Huffman codes of RFC 1951
/// §3.2.6. It compresses OTLP protobuf (repeated attribute keys, ids, names) well, is valid DEFLATE
/// that any gzip decoder reads, and needs no dependency.
enum Gzip {
    static func compress(_ input: [UInt8]) -> [UInt8] {
        // Header: magic, CM=8 (deflate), no flags, MTIME=0, XFL=0, OS=255 (unknown).
        var output: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
        output += Deflate.compress(input)
        appendLittleEndian(CRC32.checksum(input), to: &output)
        appendLittleEndian(UInt32(truncatingIfNeeded: input.count), to: &output)
        return output
    }

    private static func appendLittleEndian(_ value: UInt32, to output: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) {
            output.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }
}
