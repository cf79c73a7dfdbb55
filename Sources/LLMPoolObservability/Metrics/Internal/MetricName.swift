/// Prometheus naming rules: metric names `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names
/// `[a-zA-Z_][a-zA-Z0-9_]*` with `__` reserved (Prometheus data model).
enum MetricName {
    static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first, isLetter(first) || first == UInt8(ascii: "_") || first == UInt8(ascii: ":")
        else {
            return false
        }
        return name.utf8.allSatisfy {
            isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ":")
        }
    }

    static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, isLetter(first) || first == UInt8(ascii: "_"), !name.hasPrefix("__") else {
            return false
        }
        return name.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    /// A swift-metrics label made into a metric name: invalid characters (`.`, `-`, `/`, spaces)
    /// become `_`, and a leading digit gets a `_` in front.
    static func sanitizedMetricName(_ label: String) -> String {
        sanitize(label, allowColon: true)
    }

    /// A swift-metrics dimension key made into a label name; the reserved `__` prefix is cut to `_`.
    static func sanitizedLabelName(_ key: String) -> String {
        var name = sanitize(key, allowColon: false)
        while name.hasPrefix("__") { name.removeFirst() }
        return name
    }

    private static func sanitize(_ text: String, allowColon: Bool) -> String {
        var bytes = text.utf8.map { byte -> UInt8 in
            let allowed =
                isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_")
                || (allowColon && byte == UInt8(ascii: ":"))
            return allowed ? byte : UInt8(ascii: "_")
        }
        if bytes.first.map(isDigit) ?? true { bytes.insert(UInt8(ascii: "_"), at: 0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
