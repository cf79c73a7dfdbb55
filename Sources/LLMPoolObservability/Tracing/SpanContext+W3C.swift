extension SpanContext {
    /// The W3C `traceparent` header name.
    public static let traceparentHeader = "traceparent"
    /// The W3C `tracestate` header name.
    public static let tracestateHeader = "tracestate"

    /// Parses a W3C `traceparent` header (`00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`).
    ///
    /// Follows W3C Trace Context §3.2 and §4.3: lowercase hex only, all-zero ids and version `ff`
    /// are invalid; a version-00 value must be exactly 55 characters, while a later version may append
    /// `-`-separated fields, which are ignored.
    ///
    /// - Parameters:
    ///   - traceparent: The header value.
    ///   - tracestate: The `tracestate` header value, carried through unchanged when `traceparent` is valid.
    /// - Returns: A remote span context, or `nil` when the header is invalid.
    public init?(traceparent: some StringProtocol, tracestate: String? = nil) {
        let utf8 = Array(traceparent.utf8)
        guard utf8.count >= 55, let version = Hex.parse(utf8[0..<2]), version != 0xFF,
            utf8[2] == UInt8(ascii: "-"), utf8[35] == UInt8(ascii: "-"), utf8[52] == UInt8(ascii: "-")
        else { return nil }
        if version == 0 {
            guard utf8.count == 55 else { return nil }
        } else if utf8.count > 55 {
            guard utf8[55] == UInt8(ascii: "-") else { return nil }
        }
        guard let high = Hex.parse(utf8[3..<19]), let low = Hex.parse(utf8[19..<35]), high != 0 || low != 0,
            let parent = Hex.parse(utf8[36..<52]).flatMap(SpanID.init),
            let flags = Hex.parse(utf8[53..<55])
        else { return nil }
        let state = tracestate.map { $0.trimmingWhitespace() }
        self.init(
            traceID: TraceID(high: high, low: low),
            spanID: parent,
            traceFlags: UInt8(flags),
            traceState: state?.isEmpty == false ? state : nil,
            isRemote: true
        )
    }

    /// The `traceparent` header value, version 00.
    ///
    /// Only the sampled bit is sent: version 00 defines no other flag.
    public var traceparent: String {
        "00-\(traceID.hex)-\(spanID.hex)-\(Hex.encode(traceFlags & 0x01))"
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
