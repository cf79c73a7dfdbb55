import NIOCore

/// Writes RESP2 (https://redis.io/docs/latest/develop/reference/protocol-spec/).
enum RESPEncoder {
    private static let crlf: StaticString = "\r\n"

    /// Encodes a command the way clients must send it: an array of bulk strings.
    static func encodeCommand(_ arguments: [String], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "*"))
        buffer.writeString(String(arguments.count))
        buffer.writeStaticString(crlf)
        for argument in arguments {
            buffer.writeInteger(UInt8(ascii: "$"))
            buffer.writeString(String(argument.utf8.count))
            buffer.writeStaticString(crlf)
            buffer.writeString(argument)
            buffer.writeStaticString(crlf)
        }
    }

    /// Encodes any value, as a server would (used by tests and by nothing on the wire path).
    static func encode(_ value: RedisValue, into buffer: inout ByteBuffer) {
        switch value {
        case .simpleString(let text):
            writeLine("+", text, into: &buffer)
        case .error(let text):
            writeLine("-", text, into: &buffer)
        case .integer(let number):
            writeLine(":", String(number), into: &buffer)
        case .bulkString(var bytes):
            writeLine("$", String(bytes.readableBytes), into: &buffer)
            buffer.writeBuffer(&bytes)
            buffer.writeStaticString(crlf)
        case .null:
            writeLine("$", "-1", into: &buffer)
        case .array(let values):
            writeLine("*", String(values.count), into: &buffer)
            for element in values { encode(element, into: &buffer) }
        }
    }

    private static func writeLine(_ type: Unicode.Scalar, _ text: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: type))
        buffer.writeString(text)
        buffer.writeStaticString(crlf)
    }
}
