import Foundation
import LLMPoolCore

/// Names the field at fault in a native `Query` body that swift-protobuf refused.
///
/// swift-protobuf's JSON errors say what went wrong (`malformedString`) but not where, so on
/// that error path only the body is read once more, loosely, to find the first field whose value
/// has the wrong type. The success path decodes once.
enum QueryJSONDiagnosis {
    private enum Kind {
        case string, unsigned, number, strategy, stringMap
    }

    /// Any JSON value, told apart by type (booleans are not numbers).
    private enum Value: Decodable {
        case null, bool(Bool), number(Double), string(String), object([String: Value]), array

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let bool = try? container.decode(Bool.self) {
                self = .bool(bool)
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else if let text = try? container.decode(String.self) {
                self = .string(text)
            } else if let object = try? container.decode([String: Value].self) {
                self = .object(object)
            } else {
                self = .array
            }
        }
    }

    /// Fields by every JSON name proto3 accepts (lowerCamelCase and the `.proto` name).
    private static let fields: [(names: [String], kind: Kind)] = [
        (["requestId", "request_id"], .string), (["task"], .string), (["input"], .string),
        (["strategy"], .strategy), (["maxTokens", "max_tokens"], .unsigned), (["temperature"], .number),
        (["deadlineMs", "deadline_ms"], .unsigned), (["tenant"], .string), (["metadata"], .stringMap),
    ]

    /// The fault in `body`, with the field as `param`; `nil` when none is found.
    static func fault(in body: Data) -> PoolError? {
        guard let value = try? JSONDecoder().decode(Value.self, from: body) else {
            return PoolError(code: .invalidArgument, message: "malformed Query JSON: the body is not valid JSON")
        }
        guard case .object(let fields) = value else {
            return PoolError(code: .invalidArgument, message: "malformed Query JSON: the body must be a JSON object")
        }
        let known = Set(Self.fields.flatMap(\.names))
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            return PoolError(
                code: .invalidArgument,
                message: "malformed Query JSON: unknown field '\(unknown)'",
                param: unknown
            )
        }
        for (names, kind) in Self.fields {
            for name in names {
                guard let value = fields[name] else { continue }
                if case .null = value { continue }
                if let problem = problem(value, kind) {
                    return PoolError(
                        code: .invalidArgument,
                        message: "malformed Query JSON: \(name) \(problem)",
                        param: name
                    )
                }
            }
        }
        return nil
    }

    private static func unsignedProblem(_ number: Double) -> String? {
        guard number < 0 || number != number.rounded() || number > Double(UInt32.max) else { return nil }
        return "must be a non-negative integer of at most \(UInt32.max)"
    }

    private static func problem(_ value: Value, _ kind: Kind) -> String? {
        switch (kind, value) {
        case (.string, .string): return nil
        case (.string, _): return "must be a string"
        case (.number, .number), (.number, .string): return nil
        case (.number, _): return "must be a number"
        case (.unsigned, .number(let number)): return unsignedProblem(number)
        case (.unsigned, .string(let text)):
            return Double(text).map(unsignedProblem) ?? "must be a non-negative integer"
        case (.unsigned, _): return "must be a non-negative integer"
        case (.strategy, .number): return nil
        case (.strategy, .string(let name)) where StrategyKind(name: name) != nil || name == "STRATEGY_UNSPECIFIED":
            return nil
        case (.strategy, _):
            return "must be one of \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", "))"
        case (.stringMap, .object(let map)):
            return map.values.allSatisfy { if case .string = $0 { true } else { false } }
                ? nil : "must be an object of strings"
        case (.stringMap, _): return "must be an object of strings"
        }
    }
}
