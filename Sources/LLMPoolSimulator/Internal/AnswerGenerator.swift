/// Deterministic answers: the words of an answer are drawn from a fixed vocabulary by a SplitMix64
/// generator seeded with an FNV-1a hash of the prompt mixed with the model's seed.
///
/// The prompt is normalised first (split on whitespace, joined by single spaces), so the same
/// conversation sent through `/api/chat`, `/api/generate` (as `system` + a single user prompt) or
/// `/v1/chat/completions` gets the same answer.
enum AnswerGenerator {
    /// Words answers are made of.
    private static let vocabulary: [String] = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
        "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
        "uniform", "victor", "whiskey", "xray", "yankee", "zulu", "amber", "basalt", "cobalt", "dune",
        "ember", "fjord", "granite", "harbor", "iris", "jade", "kelp", "lagoon", "meadow", "nectar",
        "onyx", "pebble", "quartz", "ridge", "summit", "tundra", "umber", "valley", "willow", "yarrow",
        "zephyr", "anchor", "beacon", "canyon", "mirage", "estuary", "forest", "glacier", "horizon", "island",
        "jungle", "knoll", "lantern", "mesa",
    ]

    /// The words of a prompt, the unit the simulator counts tokens in.
    static func words(of text: String) -> [Substring] {
        text.split(whereSeparator: { $0.isWhitespace })
    }

    /// The answer's words for a prompt and seed.
    ///
    /// - Parameters:
    ///   - prompt: The whole prompt text (system and messages).
    ///   - seed: The model's seed.
    ///   - count: How many words to produce.
    static func answer(prompt: String, seed: UInt64, count: Int) -> [String] {
        var generator = SplitMix64(state: fingerprint(of: prompt, seed: seed))
        return (0..<max(count, 0)).map { _ in vocabulary[Int(generator.next() % UInt64(vocabulary.count))] }
    }

    /// The normalised prompt's FNV-1a hash mixed with the seed: what answers and tool-call ids
    /// are derived from.
    static func fingerprint(of prompt: String, seed: UInt64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for word in words(of: prompt) {
            for byte in word.utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
            hash = (hash ^ 0x20) &* 0x100_0000_01b3
        }
        return hash ^ (seed &* 0x9e37_79b9_7f4a_7c15)
    }
}

/// The SplitMix64 generator: tiny, fast and fully determined by its seed.
struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
