import Synchronization

/// The time limits of one streamed provider call.
struct StreamLimits: Sendable, Hashable {
    /// Time from the start of the call to its first token (the provider's `timeout_ms`).
    var firstToken: Duration
    /// Longest wait for the backend after the first token (the provider's `idle_timeout_ms`).
    var idle: Duration
    /// The whole call: the request's remaining deadline.
    var total: Duration
}

/// When a streamed call must have made progress, as a state machine apart from its I/O: the
/// call reports what it receives, and ``expiry`` names the next instant a limit runs out.
///
/// - Before the first token only the time to first token (and the total) applies: an early
///   role-only chunk, or `200` headers sent while the request waits for a slot, do not count.
/// - After it, the backend may be silent for at most the idle limit; the time the consumer takes
///   a piece (a slow client: back-pressure) is not the backend's silence, so the idle clock is
///   stopped while a piece is being delivered and restarts when the consumer has taken it.
/// - The total always applies.
struct StreamWatchState: Sendable, Hashable {
    let limits: StreamLimits
    let started: ContinuousClock.Instant
    /// When the first token arrived.
    private(set) var firstTokenAt: ContinuousClock.Instant?
    /// The last time the backend was heard from (or a delivery ended) after the first token.
    private(set) var lastActivity: ContinuousClock.Instant?
    /// Whether a piece is with the consumer now.
    private(set) var delivering = false

    init(limits: StreamLimits, started: ContinuousClock.Instant) {
        self.limits = limits
        self.started = started
    }

    /// Bytes arrived from the backend.
    mutating func received(at now: ContinuousClock.Instant) {
        if firstTokenAt != nil { lastActivity = now }
    }

    /// A piece of the answer arrived and is handed to the consumer.
    mutating func deliveryBegan(at now: ContinuousClock.Instant) {
        if firstTokenAt == nil { firstTokenAt = now }
        lastActivity = now
        delivering = true
    }

    /// The consumer took the piece.
    mutating func deliveryEnded(at now: ContinuousClock.Instant) {
        lastActivity = now
        delivering = false
    }

    /// The next instant a limit runs out, and which; the total wins a tie.
    var expiry: (at: ContinuousClock.Instant, timeout: ProviderTimeout) {
        let total = started.advanced(by: limits.total)
        let other: (ContinuousClock.Instant, ProviderTimeout)?
        if firstTokenAt == nil {
            other = (
                started.advanced(by: limits.firstToken), ProviderTimeout(limit: .firstToken, after: limits.firstToken)
            )
        } else if delivering {
            other = nil
        } else if let lastActivity {
            other = (lastActivity.advanced(by: limits.idle), ProviderTimeout(limit: .idle, after: limits.idle))
        } else {
            other = nil
        }
        if let other, other.0 < total { return other }
        return (total, ProviderTimeout(limit: .call, after: limits.total))
    }
}

/// A ``StreamWatchState`` shared by a streamed call, which reports to it, and the timer of
/// ``withStreamLimits(_:provider:_:)``, which sleeps until its expiry.
final class StreamWatch: Sendable {
    let limits: StreamLimits
    private let clock: any PoolClock
    private let state: Mutex<StreamWatchState>

    /// Starts watching now.
    init(limits: StreamLimits, clock: any PoolClock) {
        self.limits = limits
        self.clock = clock
        self.state = Mutex(StreamWatchState(limits: limits, started: clock.now))
    }

    /// Bytes arrived from the backend.
    func received() {
        let now = clock.now
        state.withLock { $0.received(at: now) }
    }

    /// A piece of the answer is handed to the consumer.
    func deliveryBegan() {
        let now = clock.now
        state.withLock { $0.deliveryBegan(at: now) }
    }

    /// The consumer took the piece.
    func deliveryEnded() {
        let now = clock.now
        state.withLock { $0.deliveryEnded(at: now) }
    }

    /// Returns the limit the call ran into, once one has run out.
    ///
    /// Progress only ever moves the expiry later, except when the idle clock starts (the first
    /// token, the end of a delivery): then it can come before the instant slept to. Sleeping at
    /// most the idle limit at a time covers that: an idle clock started during a sleep runs out
    /// after the sleep ends, when the expiry is looked at again.
    /// - Throws: `CancellationError` when cancelled first (the call ended).
    func expiry() async throws -> ProviderTimeout {
        while true {
            let (at, timeout) = state.withLock { $0.expiry }
            let now = clock.now
            if now >= at { return timeout }
            try await clock.sleep(until: min(at, now.advanced(by: limits.idle)))
        }
    }
}
