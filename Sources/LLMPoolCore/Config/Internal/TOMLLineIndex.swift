import Foundation

/// Maps key paths (`providers[1].timeout_ms`) to the line that sets them, so validation errors can
/// point at the line to fix. TOMLKit reports positions only for syntax errors.
struct TOMLLineIndex: Sendable {
    private var lines: [String: Int] = [:]

    init(source: String) {
        var prefix = ""
        var arrayCounts: [String: Int] = [:]
        for (offset, raw) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let number = offset + 1
            if line.hasPrefix("[["), let end = line.range(of: "]]") {
                let name = Self.normalize(line[line.index(line.startIndex, offsetBy: 2)..<end.lowerBound])
                let index = arrayCounts[name, default: -1] + 1
                arrayCounts[name] = index
                prefix = "\(name)[\(index)]"
                lines[prefix] = lines[prefix] ?? number
            } else if line.hasPrefix("["), let end = line.firstIndex(of: "]") {
                prefix = Self.normalize(line[line.index(after: line.startIndex)..<end])
                lines[prefix] = lines[prefix] ?? number
            } else if let eq = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = Self.normalize(line[..<eq])
                guard !key.isEmpty else { continue }
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                lines[path] = lines[path] ?? number
            }
        }
    }

    /// The line of the key path, or of its closest enclosing table.
    func line(for keyPath: String) -> Int? {
        var path = keyPath
        while !path.isEmpty {
            if let line = lines[path] { return line }
            if let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) {
                path = String(path[..<cut])
            } else {
                return nil
            }
        }
        return nil
    }

    private static func normalize(_ key: Substring) -> String {
        key.split(separator: ".").map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }.joined(separator: ".")
    }
}
