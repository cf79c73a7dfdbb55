import Synchronization

/// A fast generator for trace and span ids: SplitMix64 over one atomic counter, seeded once from
/// the system generator.
///
/// Ids need to be unique and unpredictable enough for sampling, not secret; reading the system
/// generator (a `getrandom` system call) for each of the half-dozen spans of every request cost
/// measurable throughput. A relaxed atomic add keeps it lock-free across threads.
public struct IDGenerator: RandomNumberGenerator, Sendable {
    private static let state: Atomic<UInt64> = {
        var system = SystemRandomNumberGenerator()
        return Atomic(system.next())
    }()

    /// Creates a generator; every instance draws from the same process-wide sequence.
    public init() {}

    public mutating func next() -> UInt64 {
        // SplitMix64 (Steele, Lea, Flood 2014): a Weyl sequence through a strong mixer.
        var z = Self.state.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
