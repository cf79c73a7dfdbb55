import LLMPoolCore
import Testing

@Suite("[qos.consensus]")
struct ConsensusConfigurationTests {
    static let base = """
        [[providers]]
        name = "a"
        base_url = "http://127.0.0.1:1"
        model = "a"
        [tasks.t]
        strategy = "CONSENSUS"
        providers = ["a"]
        prompt = "t.md"
        """

    @Test("threshold, quorum and fallback decode")
    func decodes() throws {
        let config = try ConfigurationLoader.parse(
            Self.base + "\n[qos.consensus]\nthreshold = 0.6\nquorum = 3\nfallback = \"best\"\n"
        ) { _ in "{{input}}" }
        #expect(config.qos.consensus == ConsensusConfiguration(threshold: 0.6, quorum: 3, fallbackToBest: true))
        let defaults = try ConfigurationLoader.parse(Self.base) { _ in "{{input}}" }
        #expect(defaults.qos.consensus == .defaults)
    }

    @Test("a bad fallback and an out-of-range threshold name their keys")
    func rejects() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse(Self.base + "\n[qos.consensus]\nthreshold = 2.0\nfallback = \"maybe\"\n") {
                _ in "{{input}}"
            }
        }
        let keys = Set(error.issues.map(\.keyPath))
        #expect(keys == ["qos.consensus.threshold", "qos.consensus.fallback"])
    }
}
