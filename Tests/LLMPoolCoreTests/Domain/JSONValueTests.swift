import Foundation
import LLMPoolCore
import Testing

@Suite("JSONValue")
struct JSONValueTests {
    @Test(
        "canonical text sorts keys, drops whitespace and reads back as the same value",
        arguments: [
            (#"{"b": [1, 2.5, -3e2], "a": {"y": null, "x": true}}"#, #"{"a":{"x":true,"y":null},"b":[1,2.5,-300]}"#),
            (#"  "tab\there \"quoted\" \\ \u0001 é 😀"  "#, #""tab\there \"quoted\" \\ \u0001 é 😀""#),
            (
                #"[9223372036854775807, -9223372036854775808, 0.1, 1e300, 12345678901234567890]"#,
                "[9223372036854775807,-9223372036854775808,0.1,1e+300,1.2345678901234567e+19]"
            ),
            (
                #"{"stop": ["\n\n", "</s>"], "seed": 42, "top_p": 0.95, "temperature": 1.0}"#,
                #"{"seed":42,"stop":["\n\n","</s>"],"temperature":1,"top_p":0.95}"#
            ),
            ("false", "false"),
        ]
    )
    func canonical(input: String, expected: String) throws {
        let value = try JSONValue(parsing: input)
        #expect(value.canonicalText == expected)
        // The canonical text is JSON (Foundation's parser reads it) and means the same value.
        let again = try JSONValue(parsing: value.canonicalText)
        #expect(again.canonicalText == expected)
        _ = try JSONSerialization.jsonObject(with: Data(expected.utf8), options: .fragmentsAllowed)
    }

    @Test("integers stay exact and equal values have equal text whatever the key order")
    func exactness() throws {
        let a = try JSONValue(parsing: #"{"logit_bias": {"50256": -100, "198": 5}, "seed": 9007199254740993}"#)
        let b = try JSONValue(parsing: #"{"seed": 9007199254740993, "logit_bias": {"198": 5, "50256": -100}}"#)
        #expect(a == b)
        #expect(a.canonicalText == b.canonicalText)
        #expect(a["seed"] == .integer(9_007_199_254_740_993))
        #expect(a["logit_bias"]?["50256"]?.intValue == -100)
    }

    @Test("Codable: a value inside a Codable struct encodes and decodes unchanged")
    func codable() throws {
        struct Holder: Codable, Equatable { var tools: JSONValue }
        let tools: JSONValue = [
            ["type": "function", "function": ["name": "get_weather", "parameters": ["type": "object"]]]
        ]
        let data = try JSONEncoder().encode(Holder(tools: tools))
        #expect(try JSONDecoder().decode(Holder.self, from: data) == Holder(tools: tools))
    }
}
