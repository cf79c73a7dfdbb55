import LLMPoolObservability
import TOMLKit

/// Reads typed values out of a TOML table while collecting every problem with its key path, so a
/// file is validated as a whole instead of failing at the first bad key.
final class TOMLReader {
    private(set) var issues: [ConfigurationIssue] = []
    private let lineIndex: TOMLLineIndex

    init(lineIndex: TOMLLineIndex) {
        self.lineIndex = lineIndex
    }

    func report(_ keyPath: String, _ message: String) {
        issues.append(.init(keyPath: keyPath, message: message, line: lineIndex.line(for: keyPath)))
    }

    /// Reports keys of `table` that are not in `known` (typos must not pass silently).
    func rejectUnknownKeys(_ table: TOMLTable, at path: String, known: Set<String>) {
        for key in table.keys.sorted() where !known.contains(key) {
            let suggestion = known.sorted().joined(separator: ", ")
            report(join(path, key), "unknown key; expected one of: \(suggestion)")
        }
    }

    func table(_ table: TOMLTable, _ key: String, at path: String) -> TOMLTable? {
        guard let value = table[key] else { return nil }
        guard let result = value.table else {
            report(join(path, key), "must be a table, found \(value.type)")
            return nil
        }
        return result
    }

    func string(
        _ table: TOMLTable,
        _ key: String,
        at path: String,
        default fallback: String? = nil,
        required: Bool = false
    ) -> String? {
        guard let value = table[key] else {
            if required { report(join(path, key), "is required") }
            return fallback
        }
        guard let result = value.string else {
            report(join(path, key), "must be a string, found \(value.type)")
            return fallback
        }
        return result
    }

    func int(_ table: TOMLTable, _ key: String, at path: String, default fallback: Int, range: ClosedRange<Int>? = nil)
        -> Int
    {
        guard let value = table[key] else { return fallback }
        guard let result = value.int else {
            report(join(path, key), "must be an integer, found \(value.type)")
            return fallback
        }
        if let range, !range.contains(result) {
            report(join(path, key), "must be between \(range.lowerBound) and \(range.upperBound), found \(result)")
            return fallback
        }
        return result
    }

    func double(
        _ table: TOMLTable,
        _ key: String,
        at path: String,
        default fallback: Double,
        range: ClosedRange<Double>? = nil
    ) -> Double {
        guard let value = table[key] else { return fallback }
        guard let result = value.double ?? value.int.map(Double.init) else {
            report(join(path, key), "must be a number, found \(value.type)")
            return fallback
        }
        if let range, !range.contains(result) {
            report(join(path, key), "must be between \(range.lowerBound) and \(range.upperBound), found \(result)")
            return fallback
        }
        return result
    }

    func bool(_ table: TOMLTable, _ key: String, at path: String, default fallback: Bool) -> Bool {
        guard let value = table[key] else { return fallback }
        guard let result = value.bool else {
            report(join(path, key), "must be true or false, found \(value.type)")
            return fallback
        }
        return result
    }

    func milliseconds(_ table: TOMLTable, _ key: String, at path: String, default fallback: Duration, minimum: Int = 1)
        -> Duration
    {
        let fallbackMS = Int(fallback.milliseconds)
        let ms = int(table, key, at: path, default: fallbackMS)
        if ms < minimum {
            report(join(path, key), "must be >= \(minimum), found \(ms)")
            return fallback
        }
        return .milliseconds(ms)
    }

    func strings(_ table: TOMLTable, _ key: String, at path: String) -> [String]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else {
            report(join(path, key), "must be an array of strings, found \(value.type)")
            return nil
        }
        var result: [String] = []
        for (index, element) in array.enumerated() {
            guard let string = element.string else {
                report("\(join(path, key))[\(index)]", "must be a string, found \(element.type)")
                continue
            }
            result.append(string)
        }
        return result
    }

    func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}
