import Foundation

/// Normalises answers so that equal meanings compare equal: trimmed, lower-cased, whitespace
/// collapsed; for JSON tasks, the canonical JSON (sorted keys, no insignificant whitespace); tool
/// calls by function name and canonical arguments.
enum AnswerNormalizer {
    /// An answer reduced to what VOTING and CONSENSUS compare.
    struct Normalized: Hashable {
        /// The normalised text.
        var text: String
        /// The tool calls, as ``AnswerExtras/toolCallSignature``; empty without tool calls.
        var toolCalls: String

        /// One string for both, for grouping equal answers.
        var key: String { toolCalls.isEmpty ? text : text + "\u{1F}" + toolCalls }
    }

    static func normalize(_ response: ProviderResponse, json: Bool) -> Normalized {
        Normalized(text: normalize(response.text, json: json), toolCalls: response.extras.toolCallSignature)
    }

    /// Similarity of two answers in 0...1: 0 when they call different tools (or different
    /// arguments), else the similarity of their texts.
    static func similarity(_ a: Normalized, _ b: Normalized) -> Double {
        a.toolCalls == b.toolCalls ? similarity(a.text, b.text) : 0
    }

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
