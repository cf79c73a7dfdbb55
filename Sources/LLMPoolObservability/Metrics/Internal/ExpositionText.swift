/// Escaping and number formatting shared by both exposition formats.
enum ExpositionText {
    /// Escapes a label value: `\` → `\\`, `"` → `\"`, newline → `\n` (both formats).
    static func escapeLabelValue(_ value: String) -> String {
        escape(value, quotes: true)
    }

    /// Escapes HELP text. The Prometheus text format escapes only `\` and newlines; OpenMetrics
    /// escapes HELP like a label value (its ABNF uses `escaped-string` for both).
    static func escapeHelp(_ help: String, format: ExpositionFormat) -> String {
        escape(help, quotes: format == .openMetrics)
    }

    private static func escape(_ text: String, quotes: Bool) -> String {
        let needsWork = text.utf8.contains {
            $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") || (quotes && $0 == UInt8(ascii: "\""))
        }
        guard needsWork else { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 8)
        for character in text.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\"" where quotes: escaped += "\\\""
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// `name1="v1",name2="v2"`, values escaped, without braces.
    static func labelPairs(names: [String], values: [String]) -> String {
        var text = ""
        for (index, name) in names.enumerated() {
            if index > 0 { text += "," }
            text += name
            text += "=\""
            text += escapeLabelValue(values[index])
            text += "\""
        }
        return text
    }

    /// A sample value: integers without a decimal point, `+Inf`, `-Inf`, `NaN`, otherwise the
    /// shortest representation that reads back to the same `Double`.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(.towardZero), abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }

    /// A bucket bound for the `le` label. OpenMetrics 1.0 requires one canonical text per number
    /// ("Canonical Numbers": `1.0`, not `1`); the same text is used in both formats so a series
    /// keeps its labels when a scraper switches format.
    static func canonicalNumber(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(.towardZero), abs(value) < 1e15 { return String(Int64(value)) + ".0" }
        return value.description
    }
}
