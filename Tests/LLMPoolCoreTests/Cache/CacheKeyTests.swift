import LLMPoolCore
import Testing

@Suite("CacheKey")
struct CacheKeyTests {
    static func key(options: [String: JSONValue] = [:], messages: [ChatMessage] = [.user("weather in Paris")])
        -> CacheKey
    {
        CacheKey(
            task: "chat",
            strategy: .fastest,
            messages: messages,
            models: ["m"],
            maxTokens: 20,
            temperature: 0,
            options: options
        )
    }

    static let tool: JSONValue = [
        "type": "function",
        "function": [
            "name": "get_weather", "parameters": ["type": "object", "properties": ["city": ["type": "string"]]],
        ],
    ]

    @Test(
        "requests differing only in one forwarded option have different keys",
        arguments: [
            ("stop", ["stop": ["e"]], ["stop": ["f"]]),
            ("seed", ["seed": 42], ["seed": 43]),
            ("tools", ["tools": [tool]], [:]),
            ("tool_choice", ["tools": [tool], "tool_choice": "none"], ["tools": [tool], "tool_choice": "auto"]),
            ("response_format", ["response_format": ["type": "json_object"]], [:]),
            ("top_p", ["top_p": 0.5], ["top_p": 0.9]),
        ] as [(String, [String: JSONValue], [String: JSONValue])]
    )
    func optionsChangeTheKey(name: String, a: [String: JSONValue], b: [String: JSONValue]) {
        #expect(Self.key(options: a) != Self.key(options: b), "\(name)")
        #expect(Self.key(options: a) != Self.key(), "\(name)")
    }

    @Test("the same options in another order give the same key")
    func orderDoesNotMatter() throws {
        let a = try JSONValue(parsing: #"{"stop": ["e"], "seed": 1, "logit_bias": {"1": 2, "3": 4}}"#).objectValue!
        let b = try JSONValue(parsing: #"{"logit_bias": {"3": 4, "1": 2}, "seed": 1, "stop": ["e"]}"#).objectValue!
        #expect(Self.key(options: a) == Self.key(options: b))
    }

    @Test("messages count whole: content parts, tool calls and tool call ids")
    func messagesCountWhole() {
        let image: JSONValue = [
            ["type": "text", "text": "what is this"],
            ["type": "image_url", "image_url": ["url": "data:image/png;base64,AAAA"]],
        ]
        let other: JSONValue = [
            ["type": "text", "text": "what is this"],
            ["type": "image_url", "image_url": ["url": "data:image/png;base64,BBBB"]],
        ]
        let withImage = ChatMessage(role: "user", content: "what is this", extras: ["content": image])
        let withOther = ChatMessage(role: "user", content: "what is this", extras: ["content": other])
        #expect(Self.key(messages: [withImage]) != Self.key(messages: [withOther]))
        #expect(Self.key(messages: [withImage]) != Self.key(messages: [.user("what is this")]))

        let call: JSONValue = [["id": "call_1", "type": "function", "function": ["name": "f", "arguments": "{}"]]]
        let asked = ChatMessage(role: "assistant", content: "", extras: ["tool_calls": call, "content": .null])
        let answerA = ChatMessage(role: "tool", content: "18 C", extras: ["tool_call_id": "call_1"])
        let answerB = ChatMessage(role: "tool", content: "18 C", extras: ["tool_call_id": "call_2"])
        #expect(Self.key(messages: [.user("x"), asked, answerA]) != Self.key(messages: [.user("x"), asked, answerB]))
    }
}
