import NIOCore
import Testing

@testable import LLMPoolCore

@Suite("Redis RESP codec")
struct RedisRESPCodecTests {
    /// Values covering every RESP2 type, nesting, and bulk strings holding CRLF and UTF-8.
    static let values: [RedisValue] = [
        .simpleString("OK"),
        .error("ERR unknown command 'FOO'"),
        .integer(0),
        .integer(-42),
        .integer(Int.max),
        .bulkString("hello\r\nworld"),
        .bulkString(""),
        .bulkString("héllo ✓"),
        .null,
        .array([]),
        .array([
            .integer(1), .bulkString("two"), .null, .array([.simpleString("nested"), .array([.error("ERR deep")])]),
        ]),
    ]

    static func encoded(_ values: [RedisValue]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for value in values { RESPEncoder.encode(value, into: &buffer) }
        return buffer
    }

    /// Feeds `bytes` in chunks of `chunkSize`, parsing whatever is complete after each one.
    static func parseInChunks(_ bytes: ByteBuffer, chunkSize: Int) throws -> [RedisValue] {
        var input = bytes
        var buffer = ByteBuffer()
        var parsed: [RedisValue] = []
        while let chunk = input.readSlice(length: min(chunkSize, input.readableBytes)), chunk.readableBytes > 0 {
            var chunk = chunk
            buffer.writeBuffer(&chunk)
            while let value = try RESPParser.parse(&buffer) { parsed.append(value) }
        }
        #expect(buffer.readableBytes == 0)
        return parsed
    }

    @Test("Every value type round-trips in one buffer")
    func roundTrip() throws {
        #expect(try Self.parseInChunks(Self.encoded(Self.values), chunkSize: .max) == Self.values)
    }

    @Test("Frames split at every size, down to one byte at a time, parse the same", arguments: [1, 2, 3, 5, 7, 13, 64])
    func splitFrames(chunkSize: Int) throws {
        #expect(try Self.parseInChunks(Self.encoded(Self.values), chunkSize: chunkSize) == Self.values)
    }

    @Test("Every prefix of a nested array is incomplete and consumes nothing")
    func partialConsumesNothing() throws {
        let full = Self.encoded([Self.values.last!])
        for length in 0..<full.readableBytes {
            var prefix = full.getSlice(at: full.readerIndex, length: length)!
            #expect(try RESPParser.parse(&prefix) == nil)
            #expect(prefix.readableBytes == length)
        }
    }

    @Test("Null bulk string and null array both decode to null")
    func nulls() throws {
        var buffer = ByteBuffer(string: "$-1\r\n*-1\r\n")
        #expect(try RESPParser.parse(&buffer) == .null)
        #expect(try RESPParser.parse(&buffer) == .null)
        #expect(buffer.readableBytes == 0)
    }

    @Test("Error replies keep their text")
    func errors() throws {
        var buffer = ByteBuffer(string: "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
        #expect(
            try RESPParser.parse(&buffer) == .error("WRONGTYPE Operation against a key holding the wrong kind of value")
        )
    }

    @Test(
        "Malformed input is a protocol error",
        arguments: [
            "?what\r\n", "+OK\rX", ":12a\r\n", ":\r\n", "$3\r\nabcde\r\n", "$-2\r\n", "*-5\r\n",
            ":99999999999999999999\r\n",
        ]
    )
    func malformed(input: String) {
        var buffer = ByteBuffer(string: input)
        #expect { try RESPParser.parse(&buffer) } throws: { ($0 as? RedisError)?.code == .protocolError }
    }

    @Test("Nesting deeper than the limit is rejected")
    func tooDeep() {
        var buffer = ByteBuffer(string: String(repeating: "*1\r\n", count: RESPParser.maxDepth + 1) + ":1\r\n")
        #expect { try RESPParser.parse(&buffer) } throws: { ($0 as? RedisError)?.code == .protocolError }
    }

    @Test("Commands are arrays of bulk strings with UTF-8 byte lengths")
    func commandEncoding() {
        var buffer = ByteBuffer()
        RESPEncoder.encodeCommand(["SET", "k", "héllo", ""], into: &buffer)
        #expect(String(buffer: buffer) == "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\nhéllo\r\n$0\r\n\r\n")
    }

    @Test("Value accessors")
    func accessors() {
        #expect(RedisValue.bulkString("12").int == 12)
        #expect(RedisValue.simpleString("PONG").string == "PONG")
        #expect(RedisValue.integer(3).string == nil)
        #expect(RedisValue.array([.null]).array == [.null])
        #expect(RedisValue.null.isNull)
    }
}
