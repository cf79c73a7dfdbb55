import Foundation

/// Normalises answers so that equal meanings compare equal: trimmed, lower-cased, whitespace
/// collapsed; for JSON tasks, the canonical JSON (sorted keys, no insignificant whitespace).
enum AnswerNormalizer {
    static func normalize(_ text: String, json: Bool) -> String {
        if json, let canonical = canonicalJSON(text) { return canonical }
        return text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    static func canonicalJSON(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = trimmed.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
            let canonical = try? JSONSerialization.data(
                withJSONObject: object,
                options: [.sortedKeys, .fragmentsAllowed]
            )
        else { return nil }
        return String(decoding: canonical, as: UTF8.self)
    }

    /// Jaccard similarity of the normalised token sets, in 0...1.
    static func similarity(_ a: String, _ b: String) -> Double {
        let left = Set(a.split(whereSeparator: { $0.isWhitespace || $0.isPunctuation }))
        let right = Set(b.split(whereSeparator: { $0.isWhitespace || $0.isPunctuation }))
        if left.isEmpty && right.isEmpty { return 1 }
        return Double(left.intersection(right).count) / Double(left.union(right).count)
    }
}
