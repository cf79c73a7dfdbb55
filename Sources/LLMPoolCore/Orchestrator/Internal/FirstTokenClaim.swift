import Synchronization

/// Who won a stream race: the first attempt to produce a token claims the win, which cancels
/// every other attempt and the pending hedge timer through their ``CancellationSignal``s.
final class FirstTokenClaim: Sendable {
    /// What a claim found.
    enum Claim: Equatable {
        /// This attempt just won: it sends `started`, then its deltas.
        case first
        /// This attempt had already won.
        case held
        /// Another attempt won.
        case lost
    }

    private struct State {
        var winner: Int?
        var attempts: [Int: CancellationSignal] = [:]
        var timer: CancellationSignal?

        /// The signals to fire when `index` wins.
        mutating func claim(_ index: Int) -> (Claim, [CancellationSignal]) {
            if let winner { return (winner == index ? .held : .lost, []) }
            winner = index
            let losers = attempts.filter { $0.key != index }.map(\.value) + (timer.map { [$0] } ?? [])
            attempts = [:]
            timer = nil
            return (.first, losers)
        }
    }

    private let state = Mutex(State())

    /// The attempt that won, if any yet.
    var winner: Int? { state.withLock { $0.winner } }

    /// Claims the win for the attempt at `index`.
    func claim(_ index: Int) -> Claim {
        let (claim, losers) = state.withLock { $0.claim(index) }
        for signal in losers { signal.fire() }
        return claim
    }

    /// The signal that cancels the attempt at `index` when another wins (already fired if one has).
    func signal(forAttempt index: Int) -> CancellationSignal {
        let signal = CancellationSignal()
        let lost = state.withLock { state in
            guard state.winner == nil else { return true }
            state.attempts[index] = signal
            return false
        }
        if lost { signal.fire() }
        return signal
    }

    /// The signal of a newly armed hedge timer; the previous timer's is fired, and so is this one
    /// if an attempt has won.
    func signalForTimer() -> CancellationSignal {
        let signal = CancellationSignal()
        let (previous, won): (CancellationSignal?, Bool) = state.withLock { state in
            guard state.winner == nil else { return (nil, true) }
            defer { state.timer = signal }
            return (state.timer, false)
        }
        previous?.fire()
        if won { signal.fire() }
        return signal
    }
}
