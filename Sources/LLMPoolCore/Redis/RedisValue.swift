import NIOCore

/// One RESP2 value, as Redis sends it.
///
/// ``RedisClient/send(_:)`` never returns ``error(_:)`` at the top level (it throws a
/// ``RedisError`` with code ``RedisError/Code/serverError`` instead); errors can still appear
/// inside arrays, for example in the reply to `EXEC`.
public enum RedisValue: Sendable, Hashable {
    /// A status reply such as `OK` or `PONG` (`+…`).
    case simpleString(String)
    /// An error reply such as `ERR unknown command` (`-…`).
    case error(String)
    /// An integer reply (`:…`).
    case integer(Int)
    /// A binary-safe string (`$…`).
    case bulkString(ByteBuffer)
    /// The null bulk string (`$-1`) or the null array (`*-1`).
    case null
    /// An array of values, possibly nested (`*…`).
    case array([RedisValue])

    /// The text of a simple or bulk string (bulk bytes decoded as UTF-8); `nil` for other values.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let buffer): String(buffer: buffer)
        default: nil
        }
    }

    /// An integer reply, or a string holding a decimal integer; `nil` otherwise.
    public var int: Int? {
        switch self {
        case .integer(let value): value
        case .simpleString, .bulkString: string.flatMap { Int($0) }
        default: nil
        }
    }

    /// The elements of an array; `nil` for other values.
    public var array: [RedisValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    /// Whether this is ``null``.
    public var isNull: Bool { self == .null }

    /// A bulk string holding the UTF-8 bytes of `text`.
    public static func bulkString(_ text: String) -> RedisValue {
        .bulkString(ByteBuffer(string: text))
    }
}
