import Foundation
import TOMLKit

/// Reads `llm-pool.toml`, loads the prompt templates it names, and validates the whole file.
///
/// Every problem is reported at once, each with its key path and, where known, its line:
///
/// ```swift
/// do {
///     let config = try ConfigurationLoader.load(path: "llm-pool.toml")
/// } catch let error as ConfigurationError {
///     print(error)   // providers[1].timeout_ms: must be >= 1, found 0 (line 23)
/// }
/// ```
public enum ConfigurationLoader {
    /// Reads a prompt template's text given its path as written in the file.
    public typealias PromptSource = @Sendable (String) throws -> String

    /// Loads and validates the file at `path`. Prompt paths are relative to the file's folder.
    /// - Throws: ``ConfigurationError`` listing every problem.
    public static func load(path: String) throws -> PoolConfiguration {
        let url = URL(fileURLWithPath: path)
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigurationError(
                path: path,
                issues: [.init(keyPath: "", message: "cannot read file: \(error.localizedDescription)")]
            )
        }
        let base = url.deletingLastPathComponent()
        return try parse(
            text,
            path: path,
            prompts: { relative in
                let promptURL =
                    relative.hasPrefix("/") ? URL(fileURLWithPath: relative) : base.appendingPathComponent(relative)
                return try String(contentsOf: promptURL, encoding: .utf8)
            }
        )
    }

    /// Parses and validates TOML text.
    /// - Parameters:
    ///   - text: The TOML document.
    ///   - path: The name used in errors.
    ///   - prompts: Reads a prompt template by the path the file gives.
    /// - Throws: ``ConfigurationError`` listing every problem.
    public static func parse(_ text: String, path: String = "<inline>", prompts: @escaping PromptSource) throws
        -> PoolConfiguration
    {
        if let fault = TOMLHeaderGuard.firstInvalidHeader(in: text) {
            throw ConfigurationError(path: path, issues: [.init(keyPath: "", message: fault.message, line: fault.line)])
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                path: path,
                issues: [
                    .init(
                        keyPath: "",
                        message: "TOML syntax error: \(error.description) (column \(error.source.begin.column))",
                        line: error.source.begin.line
                    )
                ]
            )
        }
        let reader = TOMLReader(lineIndex: TOMLLineIndex(source: text))
        var decoder = ConfigurationDecoder(reader: reader, prompts: prompts)
        let config = decoder.decode(root)
        ConfigurationValidator(reader: reader).validate(config)
        guard reader.issues.isEmpty else {
            let sorted = reader.issues.enumerated().sorted { lhs, rhs in
                (lhs.element.line ?? .max, lhs.offset) < (rhs.element.line ?? .max, rhs.offset)
            }.map(\.element)
            throw ConfigurationError(path: path, issues: sorted)
        }
        return config
    }
}
