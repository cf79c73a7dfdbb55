/// Assembles the ``AnswerExtras`` of a streamed answer from its pieces, as OpenAI's clients
/// assemble a stream: tool-call fragments merged by their `index` (the `id` and the function's
/// `name` from the first fragment that has them, `arguments` concatenated; the legacy
/// `function_call` the same way), other text members of the
/// delta (`refusal`, `reasoning_content`) concatenated, arrays (`logprobs.content`) concatenated,
/// objects merged member by member, anything else replaced by the latest value.
///
/// The chunks' other choices (`n` > 1) are relayed piece by piece and not assembled.
struct StreamedExtras: Sendable {
    private var message: [String: JSONValue] = [:]
    private var choice: [String: JSONValue] = [:]
    private var completion: [String: JSONValue] = [:]
    private var usage: [String: JSONValue] = [:]
    /// Tool calls by stream index, in the order they first appeared.
    private var calls: [(index: Int, members: [String: JSONValue])] = []

    /// Adds one piece.
    mutating func add(_ piece: AnswerDelta) {
        for (name, value) in piece.delta {
            if name == "tool_calls", let fragments = value.arrayValue {
                for fragment in fragments { addToolCall(fragment) }
            } else if name == "function_call" {
                message[name] = Self.function(message[name], value)
            } else {
                message[name] = Self.merge(message[name], value, joiningText: true)
            }
        }
        for (name, value) in piece.choice { choice[name] = Self.merge(choice[name], value, joiningText: false) }
    }

    /// Adds a chunk's completion-level members (`system_fingerprint`): the latest wins.
    mutating func add(completion members: [String: JSONValue]) {
        completion.merge(members) { $1 }
    }

    /// Adds the usage chunk's members beyond the counts.
    mutating func add(usage members: [String: JSONValue]) {
        usage.merge(members) { $1 }
    }

    /// The extras assembled so far.
    var value: AnswerExtras {
        var message = self.message
        if !calls.isEmpty {
            message["tool_calls"] = .array(calls.map { call in .object(call.members.filter { $0.key != "index" }) })
        }
        return AnswerExtras(message: message, choice: choice, completion: completion, usage: usage)
    }

    private mutating func addToolCall(_ fragment: JSONValue) {
        guard let members = fragment.objectValue else { return }
        let index = members["index"]?.intValue ?? calls.count
        guard let position = calls.firstIndex(where: { $0.index == index }) else {
            calls.append((index, members))
            return
        }
        var call = calls[position].members
        for (name, value) in members where name != "index" {
            switch name {
            case "function": call["function"] = Self.function(call["function"], value)
            case "id": if call["id"]?.stringValue?.isEmpty ?? true { call["id"] = value }
            default: call[name] = value
            }
        }
        calls[position].members = call
    }

    /// A function call's fragments: `arguments` concatenated, the `name` from the first fragment
    /// that has one (llama.cpp repeats the whole name in every fragment).
    private static func function(_ old: JSONValue?, _ new: JSONValue) -> JSONValue {
        guard var merged = old?.objectValue, let fragment = new.objectValue else { return new }
        for (key, piece) in fragment {
            switch key {
            case "arguments": merged[key] = merge(merged[key], piece, joiningText: true)
            case "name": if merged["name"]?.stringValue?.isEmpty ?? true { merged["name"] = piece }
            default: merged[key] = piece
            }
        }
        return .object(merged)
    }

    private static func merge(_ old: JSONValue?, _ new: JSONValue, joiningText: Bool) -> JSONValue {
        switch (old, new) {
        case (.string(let a)?, .string(let b)) where joiningText: return .string(a + b)
        case (.array(let a)?, .array(let b)): return .array(a + b)
        case (.object(let a)?, .object(let b)):
            return .object(a.merging(b) { merge($0, $1, joiningText: joiningText) })
        default: return new
        }
    }
}
