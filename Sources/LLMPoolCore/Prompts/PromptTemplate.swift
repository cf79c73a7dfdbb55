import Foundation

/// A prompt template with `{{name}}` placeholders, parsed once at configuration load.
///
/// ```swift
/// let template = try PromptTemplate(source: "Expand: {{input}} into {{max_queries}} queries")
/// let text = template.render(["input": "swift", "max_queries": "5"])
/// ```
public struct PromptTemplate: Sendable, Hashable {
    private enum Piece: Sendable, Hashable {
        case text(String)
        case placeholder(String)
    }

    /// The template text as written.
    public let source: String
    private let pieces: [Piece]

    /// The placeholder names the template uses, in order of first use.
    public let placeholders: [String]

    /// Parses a template.
    /// - Throws: ``PoolError`` with code `invalidConfiguration` when a `{{` is not closed or a name
    ///   is not made of letters, digits and underscores.
    public init(source: String) throws {
        self.source = source
        var pieces: [Piece] = []
        var names: [String] = []
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex {
                pieces.append(.text(String(rest[rest.startIndex..<open.lowerBound])))
            }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw PoolError(code: .invalidConfiguration, message: "unclosed placeholder '{{' in prompt template")
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw PoolError(
                    code: .invalidConfiguration,
                    message: "invalid placeholder name '{{\(name)}}' in prompt template"
                )
            }
            pieces.append(.placeholder(name))
            if !names.contains(name) { names.append(name) }
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        self.pieces = pieces
        self.placeholders = names
    }

    /// Renders the template. Placeholders missing from `values` render as the empty string;
    /// ``ConfigurationLoader`` guarantees at load time that every placeholder has a value source.
    public func render(_ values: [String: String]) -> String {
        var out = ""
        out.reserveCapacity(source.utf8.count + 64)
        for piece in pieces {
            switch piece {
            case .text(let text): out += text
            case .placeholder(let name): out += values[name] ?? ""
            }
        }
        return out
    }
}
