import LLMPoolCore
import Testing

@Suite("Circuit breaker history")
struct CircuitBreakerHistoryTests {
    @Test("transitions are recorded where the breaker changes state, at the breaker clock's instants")
    func recordsTransitions() {
        let time = ManualTime()
        let start = time.now
        var configuration = CircuitBreakerConfiguration.defaults
        configuration.consecutiveFailures = 2
        configuration.cooldown = .seconds(10)
        let registry = CircuitBreakerRegistry(configuration: configuration, now: time.source)
        let breaker = registry.breaker(for: "p")
        #expect(registry.history.transitions(of: "p").isEmpty)
        for _ in 0..<2 {
            time.advance(by: .seconds(1))
            breaker.record(breaker.acquire()!, .failure)
        }
        #expect(
            registry.history.transitions(of: "p")
                == [.init(from: .closed, to: .open, at: start.advanced(by: .seconds(2)))]
        )
        // The cool-down ends at 12 s; the breaker notices at 15 s, and records 12 s.
        time.advance(by: .seconds(13))
        #expect(breaker.state == .halfOpen)
        time.advance(by: .seconds(1))
        breaker.record(breaker.acquire()!, .success)
        #expect(
            registry.history.transitions(of: "p") == [
                .init(from: .closed, to: .open, at: start.advanced(by: .seconds(2))),
                .init(from: .open, to: .halfOpen, at: start.advanced(by: .seconds(12))),
                .init(from: .halfOpen, to: .closed, at: start.advanced(by: .seconds(16))),
            ]
        )
        #expect(registry.history.transitions(of: "never-called").isEmpty)
    }

    @Test("the history is bounded: the oldest transitions are forgotten, order kept")
    func bounded() {
        let history = CircuitBreakerHistory(capacity: 3)
        let start = ContinuousClock.now
        let states: [CircuitBreaker.State] = [.open, .halfOpen, .open, .halfOpen, .closed]
        for (index, state) in states.enumerated() {
            history.record(
                provider: "p",
                .init(from: .closed, to: state, at: start.advanced(by: .seconds(index)))
            )
        }
        let kept = history.transitions(of: "p")
        #expect(kept.map(\.to) == [.open, .halfOpen, .closed])
        #expect(kept.map(\.at) == (2...4).map { start.advanced(by: .seconds($0)) })
    }
}
