import NIOCore

/// Reads RESP2 values from the front of a buffer
/// (https://redis.io/docs/latest/develop/reference/protocol-spec/).
///
/// A value that has not fully arrived yields `nil` and consumes nothing, so the caller simply
/// tries again with more bytes. Nested arrays are parsed recursively up to ``maxDepth``.
enum RESPParser {
    /// Redis's own `proto-max-bulk-len` default.
    static let maxBulkLength = 512 * 1024 * 1024
    /// Deeper nesting than any Redis command replies with; guards the recursion.
    static let maxDepth = 32
    /// The longest status, error or length line accepted.
    static let maxLineLength = 64 * 1024

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    /// Parses one complete value and moves `buffer`'s reader index past it.
    /// - Returns: the value, or `nil` when more bytes are needed (nothing is consumed then).
    /// - Throws: ``RedisError`` with code ``RedisError/Code/protocolError`` on malformed input.
    static func parse(_ buffer: inout ByteBuffer) throws(RedisError) -> RedisValue? {
        var cursor = buffer  // moving a copy's reader index does not copy the bytes
        guard let value = try parseValue(&cursor, depth: 0) else { return nil }
        buffer.moveReaderIndex(to: cursor.readerIndex)
        return value
    }

    private static func parseValue(_ buffer: inout ByteBuffer, depth: Int) throws(RedisError) -> RedisValue? {
        guard let type = buffer.readInteger(as: UInt8.self) else { return nil }
        switch type {
        case UInt8(ascii: "+"):
            return try readLine(&buffer).map { .simpleString(String(buffer: $0)) }
        case UInt8(ascii: "-"):
            return try readLine(&buffer).map { .error(String(buffer: $0)) }
        case UInt8(ascii: ":"):
            guard let line = try readLine(&buffer) else { return nil }
            return .integer(try integer(line))
        case UInt8(ascii: "$"):
            return try readBulkString(&buffer)
        case UInt8(ascii: "*"):
            return try readArray(&buffer, depth: depth)
        default:
            throw failure("unexpected type byte 0x\(String(type, radix: 16)) (only RESP2 is supported)")
        }
    }

    private static func readBulkString(_ buffer: inout ByteBuffer) throws(RedisError) -> RedisValue? {
        guard let line = try readLine(&buffer) else { return nil }
        let length = try integer(line)
        if length == -1 { return .null }
        guard (0...maxBulkLength).contains(length) else {
            throw failure("bulk string length \(length) is out of range")
        }
        guard buffer.readableBytes >= length + 2 else { return nil }
        let bytes = buffer.readSlice(length: length)!
        guard buffer.readInteger(as: UInt8.self) == cr, buffer.readInteger(as: UInt8.self) == lf else {
            throw failure("bulk string of \(length) bytes is not followed by CRLF")
        }
        return .bulkString(bytes)
    }

    private static func readArray(_ buffer: inout ByteBuffer, depth: Int) throws(RedisError) -> RedisValue? {
        guard let line = try readLine(&buffer) else { return nil }
        let count = try integer(line)
        if count == -1 { return .null }
        guard count >= 0 else { throw failure("array length \(count) is negative") }
        guard depth < maxDepth else { throw failure("arrays nested deeper than \(maxDepth)") }
        var elements: [RedisValue] = []
        elements.reserveCapacity(min(count, 1024))
        for _ in 0..<count {
            guard let element = try parseValue(&buffer, depth: depth + 1) else { return nil }
            elements.append(element)
        }
        return .array(elements)
    }

    /// The bytes up to the next CRLF, consuming the CRLF; `nil` when the line is incomplete.
    private static func readLine(_ buffer: inout ByteBuffer) throws(RedisError) -> ByteBuffer? {
        let view = buffer.readableBytesView
        guard let crIndex = view.firstIndex(of: cr) else {
            guard view.count <= maxLineLength else { throw failure("line longer than \(maxLineLength) bytes") }
            return nil
        }
        let length = view.distance(from: view.startIndex, to: crIndex)
        guard length + 1 < view.count else { return nil }
        guard view[view.index(after: crIndex)] == lf else { throw failure("CR not followed by LF") }
        let line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    private static func integer(_ line: ByteBuffer) throws(RedisError) -> Int {
        let view = line.readableBytesView
        var index = view.startIndex
        var negative = false
        if index < view.endIndex, view[index] == UInt8(ascii: "-") {
            negative = true
            index = view.index(after: index)
        }
        guard index < view.endIndex else { throw failure("empty integer") }
        var value = 0
        while index < view.endIndex {
            let byte = view[index]
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                throw failure("'\(String(buffer: line))' is not an integer")
            }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw failure("integer '\(String(buffer: line))' overflows") }
            value = sum
            index = view.index(after: index)
        }
        return negative ? -value : value
    }

    private static func failure(_ message: String) -> RedisError {
        RedisError(code: .protocolError, message: "malformed reply from redis: \(message)")
    }
}
