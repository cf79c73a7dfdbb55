/// A W3C span id (the `parent-id` of `traceparent`): 8 bytes, unique within a trace.
///
/// The all-zero id is invalid; ``random(using:)`` never returns it and parsing rejects it.
public struct SpanID: Sendable, Hashable, CustomStringConvertible {
    /// The 8 bytes as a big-endian integer; never zero.
    public let value: UInt64

    /// Creates an id from a non-zero integer, or `nil` for zero.
    public init?(_ value: UInt64) {
        guard value != 0 else { return nil }
        self.value = value
    }

    /// Creates an id from exactly 8 bytes, or `nil` when there are not 8 or all are zero.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 8 else { return nil }
        self.init(Hex.uint64(bytes))
    }

    /// Parses 16 lowercase hex digits, or returns `nil`.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 16, let value = Hex.parse(utf8[...]) else { return nil }
        self.init(value)
    }

    /// A random valid id.
    public static func random(using generator: inout some RandomNumberGenerator) -> SpanID {
        while true {
            if let id = SpanID(generator.next()) { return id }
        }
    }

    /// A random valid id from the process-wide id generator (``IDGenerator``).
    public static func random() -> SpanID {
        var generator = IDGenerator()
        return random(using: &generator)
    }

    /// The 8 bytes, big-endian, as OTLP's `span_id` carries them.
    public var bytes: [UInt8] { Hex.bytes(value) }

    /// 16 lowercase hex digits.
    public var hex: String { Hex.encode(value) }

    public var description: String { hex }
}
