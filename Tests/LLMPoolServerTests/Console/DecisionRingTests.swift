import LLMPoolCore
import LLMPoolServer
import Testing

@Suite("Decision ring")
struct DecisionRingTests {
    static func record(_ id: Int, at origin: ContinuousClock.Instant = .now) -> RecentDecision {
        RecentDecision(
            at: origin,
            requestID: "r\(id)",
            traceID: nil,
            api: .http,
            task: "t",
            strategy: "FASTEST",
            streaming: false,
            code: "ok",
            latency: .milliseconds(id)
        )
    }

    @Test("keeps the newest `capacity` decisions, newest first, with increasing sequence numbers")
    func bounded() {
        let ring = DecisionRing(capacity: 3)
        #expect(ring.recent().isEmpty)
        for id in 1...5 { ring.append(Self.record(id)) }
        let recent = ring.recent()
        #expect(recent.map(\.requestID) == ["r5", "r4", "r3"])
        #expect(recent.map(\.sequence) == [5, 4, 3])
        #expect(ring.totalRecorded == 5)
    }

    @Test("before it fills, only what was appended; limit and after select")
    func partialAndFilters() {
        let ring = DecisionRing(capacity: 10)
        for id in 1...4 { ring.append(Self.record(id)) }
        #expect(ring.recent().map(\.requestID) == ["r4", "r3", "r2", "r1"])
        #expect(ring.recent(limit: 2).map(\.requestID) == ["r4", "r3"])
        #expect(ring.recent(after: 2).map(\.requestID) == ["r4", "r3"])
        #expect(ring.recent(after: 4).isEmpty)
        #expect(ring.recent(limit: 0).isEmpty)
    }

    @Test("wraps around many times and stays consistent")
    func wraps() {
        let ring = DecisionRing(capacity: 7)
        for id in 1...1000 { ring.append(Self.record(id)) }
        #expect(ring.recent().map(\.sequence) == Array((994...1000).reversed()).map(UInt64.init))
        #expect(ring.recent(after: 997).map(\.requestID) == ["r1000", "r999", "r998"])
    }
}
