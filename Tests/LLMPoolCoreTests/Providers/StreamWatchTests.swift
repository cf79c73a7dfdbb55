import LLMPoolTesting
import Synchronization
import Testing

@testable import LLMPoolCore

/// The time limits of streamed calls: the state machine on its own, then its timer on a manual
/// clock with a fake call in place of HTTP.
@Suite("Stream time limits")
struct StreamWatchTests {
    static let limits = StreamLimits(firstToken: .milliseconds(300), idle: .milliseconds(100), total: .seconds(2))
    static let origin = ContinuousClock.now

    static func at(_ milliseconds: Int) -> ContinuousClock.Instant {
        origin.advanced(by: .milliseconds(milliseconds))
    }

    @Test("before the first token only the time to first token counts, whatever bytes arrive")
    func firstToken() {
        var state = StreamWatchState(limits: Self.limits, started: Self.origin)
        state.received(at: Self.at(50))  // a role-only chunk
        #expect(state.expiry.at == Self.at(300))
        #expect(state.expiry.timeout.limit == .firstToken)
    }

    @Test("after the first token, the idle limit runs from the last bytes")
    func idle() {
        var state = StreamWatchState(limits: Self.limits, started: Self.origin)
        state.deliveryBegan(at: Self.at(200))
        state.deliveryEnded(at: Self.at(210))
        #expect(state.expiry.at == Self.at(310))
        #expect(state.expiry.timeout.limit == .idle)
        state.received(at: Self.at(290))
        #expect(state.expiry.at == Self.at(390))
    }

    @Test("the idle clock stands still while the consumer holds a piece")
    func delivering() {
        var state = StreamWatchState(limits: Self.limits, started: Self.origin)
        state.deliveryBegan(at: Self.at(10))
        #expect(state.expiry.at == Self.at(2000))
        #expect(state.expiry.timeout.limit == .call)
        state.deliveryEnded(at: Self.at(1500))
        #expect(state.expiry.at == Self.at(1600))
    }

    @Test("the total wins over a later idle or first-token limit")
    func total() {
        let limits = StreamLimits(firstToken: .seconds(5), idle: .seconds(5), total: .seconds(1))
        var state = StreamWatchState(limits: limits, started: Self.origin)
        #expect(state.expiry.timeout == ProviderTimeout(limit: .call, after: .seconds(1)))
        state.deliveryBegan(at: Self.at(100))
        state.deliveryEnded(at: Self.at(100))
        #expect(state.expiry.at == Self.at(1000))
    }

    /// A fake streamed call: a piece every `gap` on the manual clock, `pieces` of them; `stall`
    /// pieces in it stops sending.
    static func call(
        _ watch: StreamWatch,
        clock: ManualPoolClock,
        pieces: Int,
        gap: Duration,
        stallAfter stall: Int? = nil
    ) async throws -> Int {
        for index in 0..<pieces {
            if index == stall { try await clock.sleep(for: .seconds(3600)) }
            try await clock.sleep(for: gap)
            watch.received()
            watch.deliveryBegan()
            watch.deliveryEnded()
        }
        return pieces
    }

    /// Advances `clock` by `step` whenever both the fake call and the timer sleep, until the
    /// call has ended or `limit` has passed on the clock.
    static func drive(_ clock: ManualPoolClock, step: Duration, limit: Duration, done: Flag) async {
        while !done.isSet, clock.elapsed < limit {
            if clock.sleeperCount >= 2 {
                clock.advance(by: step)
            } else {
                // Polls (in real time) for both to be asleep again; time itself only moves above.
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
    }

    @Test("a stream that keeps producing runs past the time to first token, to its end")
    func longStream() async throws {
        let clock = ManualPoolClock()
        let watch = StreamWatch(limits: Self.limits, clock: clock)
        let done = Flag()
        let task = Task {
            defer { done.set() }
            return try await withStreamLimits(watch, provider: "p") {
                try await Self.call(watch, clock: clock, pieces: 15, gap: .milliseconds(50))
            }
        }
        await Self.drive(clock, step: .milliseconds(50), limit: .seconds(2), done: done)
        // 15 pieces 50 ms apart: 750 ms, well past the 300 ms to the first token.
        #expect(try await task.value == 15)
    }

    @Test("a stream that stalls after its first tokens is cut by the idle limit")
    func stalled() async throws {
        let clock = ManualPoolClock()
        let watch = StreamWatch(limits: Self.limits, clock: clock)
        let done = Flag()
        let task = Task {
            defer { done.set() }
            return try await withStreamLimits(watch, provider: "p") {
                try await Self.call(watch, clock: clock, pieces: 10, gap: .milliseconds(20), stallAfter: 3)
            }
        }
        await Self.drive(clock, step: .milliseconds(10), limit: .seconds(2), done: done)
        let error = await #expect(throws: PoolError.self) { try await task.value }
        #expect(error?.code == .deadlineExceeded)
        #expect(ProviderTimeout.limit(of: try #require(error)) == .idle)
        #expect(error?.message.contains("idle_timeout_ms") == true)
        // Cut 100 ms after the third piece (at 60 ms), not at the total.
        #expect(clock.elapsed >= .milliseconds(160) && clock.elapsed <= .milliseconds(200))
    }

    @Test("no first token in time ends the call with the first-token limit")
    func noFirstToken() async throws {
        let clock = ManualPoolClock()
        let watch = StreamWatch(limits: Self.limits, clock: clock)
        let done = Flag()
        let task = Task {
            defer { done.set() }
            return try await withStreamLimits(watch, provider: "p") {
                try await Self.call(watch, clock: clock, pieces: 1, gap: .seconds(1))
            }
        }
        await Self.drive(clock, step: .milliseconds(50), limit: .seconds(2), done: done)
        let error = await #expect(throws: PoolError.self) { try await task.value }
        #expect(ProviderTimeout.limit(of: try #require(error)) == .firstToken)
        #expect(clock.elapsed == .milliseconds(300))
    }
}

/// Set once, read from any task.
final class Flag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
