/// Assembles the ``AnswerExtras`` of a streamed answer from its pieces, as OpenAI's clients
/// assemble a stream: tool-call fragments merged by their `index` (the `id` and the function's
/// `name` from the first fragment that has them, `arguments` concatenated; the legacy
/// `function_call` the same way), other text members of the delta (`refusal`,
/// `reasoning_content`) concatenated, arrays (`logprobs.content`) concatenated, objects merged
/// member by member, anything else replaced by the latest value.
///
/// The other choices of the chunks (`n` > 1) are assembled the same way into whole choices, so a
/// plain answer read from a stream has every choice a plain call would have.
struct StreamedExtras: Sendable {
    private var first = ChoiceAssembly()
    private var completion: [String: JSONValue] = [:]
    private var usage: [String: JSONValue] = [:]
    /// The other choices by index, in the order they first appeared.
    private var others: [(index: Int, choice: ChoiceAssembly)] = []

    /// Adds one piece.
    mutating func add(_ piece: AnswerDelta) {
        first.add(delta: piece.delta, choice: piece.choice)
        for other in piece.otherChoices {
            guard var members = other.objectValue else { continue }
            let index = members.removeValue(forKey: "index")?.intValue ?? 0
            let position =
                others.firstIndex { $0.index == index }
                ?? {
                    others.append((index, ChoiceAssembly()))
                    return others.count - 1
                }()
            var delta = members.removeValue(forKey: "delta")?.objectValue ?? [:]
            if case .string(let role)? = delta.removeValue(forKey: "role") { others[position].choice.role = role }
            if case .string(let text)? = delta.removeValue(forKey: "content") {
                others[position].choice.text += text
                others[position].choice.sawContent = true
            }
            if case .string(let reason)? = members.removeValue(forKey: "finish_reason") {
                others[position].choice.finishReason = reason
            }
            others[position].choice.add(delta: delta, choice: members.filter { !$0.value.isNull })
        }
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
        AnswerExtras(
            message: first.message,
            choice: first.choice,
            completion: completion,
            usage: usage,
            otherChoices: others.sorted { $0.index < $1.index }.map { $0.choice.json(index: $0.index) }
        )
    }
}

/// One choice of a stream being assembled: its text, finish reason, and the members of its
/// deltas (``message``) and of the choice itself (``choice``).
private struct ChoiceAssembly: Sendable {
    var role: String?
    var text = ""
    var sawContent = false
    var finishReason: String?
    var choice: [String: JSONValue] = [:]
    private var members: [String: JSONValue] = [:]
    /// Tool calls by stream index, in the order they first appeared.
    private var calls: [(index: Int, members: [String: JSONValue])] = []

    mutating func add(delta: [String: JSONValue], choice fields: [String: JSONValue]) {
        for (name, value) in delta {
            switch name {
            case "tool_calls":
                for fragment in value.arrayValue ?? [] { addToolCall(fragment) }
            case "function_call":
                members[name] = Self.function(members[name], value)
            default:
                members[name] = Self.merge(members[name], value, joiningText: true)
            }
        }
        for (name, value) in fields { choice[name] = Self.merge(choice[name], value, joiningText: false) }
    }

    /// The members of the message beyond role and content, tool calls included.
    var message: [String: JSONValue] {
        var message = members
        if !calls.isEmpty {
            message["tool_calls"] = .array(calls.map { call in .object(call.members.filter { $0.key != "index" }) })
        }
        return message
    }

    /// The whole choice, as a plain `chat.completion` writes it.
    func json(index: Int) -> JSONValue {
        var message = self.message
        message["role"] = .string(role ?? "assistant")
        message["content"] = sawContent ? .string(text) : .null
        var members = choice
        members["index"] = .integer(Int64(index))
        members["message"] = .object(message)
        members["finish_reason"] = finishReason.map(JSONValue.string) ?? .null
        if members["logprobs"] == nil { members["logprobs"] = .null }
        return .object(members)
    }

    private mutating func addToolCall(_ fragment: JSONValue) {
        guard let fields = fragment.objectValue else { return }
        let index = fields["index"]?.intValue ?? calls.count
        guard let position = calls.firstIndex(where: { $0.index == index }) else {
            calls.append((index, fields))
            return
        }
        var call = calls[position].members
        for (name, value) in fields where name != "index" {
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
