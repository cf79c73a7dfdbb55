/// A W3C trace id: 16 bytes, shared by every span of one trace.
///
/// The all-zero id is invalid (W3C Trace Context §3.2.2.3); ``random(using:)`` never returns it
/// and parsing rejects it.
public struct TraceID: Sendable, Hashable, CustomStringConvertible {
    /// The first 8 bytes, big-endian.
    public var high: UInt64
    /// The last 8 bytes, big-endian; the W3C "random" part samplers read.
    public var low: UInt64

    /// Creates an id from its two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Creates an id from exactly 16 bytes, or `nil` when there are not 16 or all are zero.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        let (high, low) = (Hex.uint64(bytes.prefix(8)), Hex.uint64(bytes.dropFirst(8)))
        guard high != 0 || low != 0 else { return nil }
        self.init(high: high, low: low)
    }

    /// Parses 32 lowercase hex digits, or returns `nil` (W3C forbids upper case and all zeros).
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 32, let high = Hex.parse(utf8[0..<16]), let low = Hex.parse(utf8[16..<32]),
            high != 0 || low != 0
        else { return nil }
        self.init(high: high, low: low)
    }

    /// A random valid id.
    public static func random(using generator: inout some RandomNumberGenerator) -> TraceID {
        while true {
            let id = TraceID(high: generator.next(), low: generator.next())
            if id.high != 0 || id.low != 0 { return id }
        }
    }

    /// A random valid id from the process-wide id generator (``IDGenerator``).
    public static func random() -> TraceID {
        var generator = IDGenerator()
        return random(using: &generator)
    }

    /// The 16 bytes, big-endian, as OTLP's `trace_id` carries them.
    public var bytes: [UInt8] { Hex.bytes(high) + Hex.bytes(low) }

    /// 32 lowercase hex digits, as in `traceparent`, logs and exemplars.
    public var hex: String { Hex.encode(high) + Hex.encode(low) }

    public var description: String { hex }
}
