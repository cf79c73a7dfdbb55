/// One problem found in a configuration file.
public struct ConfigurationIssue: Sendable, Hashable, CustomStringConvertible {
    /// The key path, such as `providers[1].timeout_ms` or `tasks.judge.prompt`.
    public var keyPath: String
    /// What is wrong, and what would be right.
    public var message: String
    /// The 1-based line in the file, when known.
    public var line: Int?

    /// Creates an issue.
    public init(keyPath: String, message: String, line: Int? = nil) {
        self.keyPath = keyPath
        self.message = message
        self.line = line
    }

    public var description: String {
        let location = line.map { "line \($0): " } ?? ""
        return keyPath.isEmpty ? "\(location)\(message)" : "\(location)\(keyPath): \(message)"
    }
}

/// Every problem found in a configuration file, thrown by ``ConfigurationLoader``.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The file that was read, or `<inline>`.
    public var path: String
    /// The problems, in file order where known.
    public var issues: [ConfigurationIssue]

    /// Creates an error.
    public init(path: String, issues: [ConfigurationIssue]) {
        self.path = path
        self.issues = issues
    }

    public var description: String {
        "invalid configuration \(path) (\(issues.count) error\(issues.count == 1 ? "" : "s")):\n"
            + issues.map { "  - \($0)" }.joined(separator: "\n")
    }
}
