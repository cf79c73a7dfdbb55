import Synchronization

/// A ``RateLimiter`` for one replica: per tenant, a ring of sixty one-second buckets counting
/// requests and tokens, so the window slides by the second and `remaining` and `resetAfter` are
/// exact to the second.
///
/// Memory is bounded: each tenant holds two arrays of 60 counters, and at most `maxTenants` are
/// tracked; past that, tenants idle for a whole window are dropped first, then the least recently
/// seen.
///
/// An admitted request's decision reports the dimension with the smaller share left (requests on a
/// tie); a rejected one reports the dimension that rejected it, checking requests first.
/// `resetAfter` is the time until the oldest counted use leaves the window, or, for a rejection,
/// until enough has left for the request to fit.
///
/// ```swift
/// let limiter = InMemoryRateLimiter()
/// let decision = try await limiter.acquire(tenant: "team-a", estimatedTokens: 600, limit: .init(requestsPerMinute: 60))
/// // after the call: try await limiter.adjust(tenant: "team-a", tokenDelta: actual - 600, limit: limit)
/// ```
public final class InMemoryRateLimiter<C: Clock>: RateLimiter where C.Duration == Duration {
    static var buckets: Int { 60 }

    private struct Window {
        var requests = [Int](repeating: 0, count: InMemoryRateLimiter.buckets)
        var tokens = [Int](repeating: 0, count: InMemoryRateLimiter.buckets)
        var requestTotal = 0
        var tokenTotal = 0
        /// The second (since the limiter's start) of the newest bucket.
        var newest: Int64 = 0
        var lastSeen: C.Instant

        /// Moves the ring forward to `second`, emptying the buckets that fall out of the window.
        mutating func advance(to second: Int64) {
            guard second > newest else { return }
            let steps = min(second - newest, Int64(InMemoryRateLimiter.buckets))
            for step in 1...steps {
                let slot = Int((newest + step) % Int64(InMemoryRateLimiter.buckets))
                requestTotal -= requests[slot]
                tokenTotal -= tokens[slot]
                requests[slot] = 0
                tokens[slot] = 0
            }
            newest = second
        }

        /// Seconds (from the start of the current second) until `needed` units of `counts` have left
        /// the window; `nil` if the window does not hold that much.
        func secondsUntilFreed(_ needed: Int, in counts: [Int]) -> Int64? {
            guard needed > 0 else { return 0 }
            var freed = 0
            let count = Int64(InMemoryRateLimiter.buckets)
            for age in stride(from: count - 1, through: 0, by: -1) {
                let second = newest - age
                guard second >= 0 else { continue }
                freed += counts[Int(second % count)]
                // The bucket of `second` leaves the window when `second + 60` begins.
                if freed >= needed { return second + count - newest }
            }
            return nil
        }

        var isEmpty: Bool { requestTotal == 0 && tokenTotal <= 0 }
    }

    private struct State {
        var windows: [String: Window] = [:]
    }

    private let clock: C
    private let start: C.Instant
    private let maxTenants: Int
    private let state = Mutex(State())

    /// Creates a limiter.
    /// - Parameters:
    ///   - maxTenants: Most tenants tracked at once. Default 100,000.
    ///   - clock: The clock windows are measured on (tests advance a manual clock).
    public init(maxTenants: Int = 100_000, clock: C) {
        self.clock = clock
        self.start = clock.now
        self.maxTenants = max(1, maxTenants)
    }

    /// The number of tenants being tracked.
    public var trackedTenants: Int { state.withLock { $0.windows.count } }

    public func acquire(tenant: String, estimatedTokens: Int, limit: RateLimit) async throws -> RateLimitDecision {
        let now = clock.now
        let elapsed = start.duration(to: now)
        let second = elapsed.components.seconds
        // Time left in the current second: bucket boundaries are whole seconds since `start`.
        let intoSecond = elapsed - .seconds(second)
        let tokens = max(0, estimatedTokens)
        return state.withLock { state in
            var window = state.windows[tenant] ?? Window(newest: second, lastSeen: now)
            window.advance(to: second)
            window.lastSeen = now
            defer {
                if state.windows[tenant] == nil { Self.makeRoom(in: &state, maxTenants: maxTenants, now: now) }
                state.windows[tenant] = window
            }
            func wait(_ seconds: Int64?) -> Duration {
                // Never zero for a rejection: the caller must wait for the next bucket at least.
                max(.seconds(seconds ?? Int64(Self.buckets)) - intoSecond, .milliseconds(1))
            }
            if let rpm = limit.requestsPerMinute, window.requestTotal + 1 > rpm {
                let needed = window.requestTotal + 1 - rpm
                return RateLimitDecision(
                    allowed: false,
                    limit: rpm,
                    remaining: 0,
                    resetAfter: wait(window.secondsUntilFreed(needed, in: window.requests)),
                    exceeded: "requests"
                )
            }
            if let tpm = limit.tokensPerMinute, window.tokenTotal + tokens > tpm {
                let needed = window.tokenTotal + tokens - tpm
                // A request larger than the whole budget never fits; report a full window.
                let seconds = tokens > tpm ? nil : window.secondsUntilFreed(needed, in: window.tokens)
                return RateLimitDecision(
                    allowed: false,
                    limit: tpm,
                    remaining: max(0, tpm - window.tokenTotal),
                    resetAfter: wait(seconds),
                    exceeded: "tokens"
                )
            }
            let slot = Int(second % Int64(Self.buckets))
            window.requests[slot] += 1
            window.requestTotal += 1
            window.tokens[slot] += tokens
            window.tokenTotal += tokens
            // Report the dimension with the smaller share left, as the protocol asks.
            func share(_ used: Int, _ limit: Int?) -> Double {
                guard let limit else { return .infinity }
                return limit > 0 ? Double(limit - used) / Double(limit) : 0
            }
            let tokensTighter =
                share(window.tokenTotal, limit.tokensPerMinute) < share(window.requestTotal, limit.requestsPerMinute)
            if let tpm = limit.tokensPerMinute, tokensTighter {
                return RateLimitDecision(
                    allowed: true,
                    limit: tpm,
                    remaining: max(0, tpm - window.tokenTotal),
                    resetAfter: wait(window.secondsUntilFreed(1, in: window.tokens))
                )
            }
            if let rpm = limit.requestsPerMinute {
                return RateLimitDecision(
                    allowed: true,
                    limit: rpm,
                    remaining: max(0, rpm - window.requestTotal),
                    resetAfter: wait(window.secondsUntilFreed(1, in: window.requests))
                )
            }
            return RateLimitDecision(allowed: true, limit: .max, remaining: .max, resetAfter: .zero)
        }
    }

    public func adjust(tenant: String, tokenDelta: Int, limit: RateLimit) async throws {
        guard tokenDelta != 0 else { return }
        let now = clock.now
        let second = start.duration(to: now).components.seconds
        state.withLock { state in
            guard var window = state.windows[tenant] else { return }
            window.advance(to: second)
            let count = Int64(Self.buckets)
            if tokenDelta > 0 {
                window.tokens[Int(second % count)] += tokenDelta
                window.tokenTotal += tokenDelta
            } else {
                // Take the refund from the newest buckets back, never below zero, so an estimate
                // that has already left the window is not refunded twice.
                var refund = -tokenDelta
                var age: Int64 = 0
                while refund > 0, age < count, second - age >= 0 {
                    let slot = Int((second - age) % count)
                    let taken = min(refund, window.tokens[slot])
                    window.tokens[slot] -= taken
                    window.tokenTotal -= taken
                    refund -= taken
                    age += 1
                }
            }
            state.windows[tenant] = window
        }
    }

    private static func makeRoom(in state: inout State, maxTenants: Int, now: C.Instant) {
        guard state.windows.count >= maxTenants else { return }
        let window = Duration.seconds(buckets)
        state.windows = state.windows.filter { $0.value.lastSeen.duration(to: now) < window && !$0.value.isEmpty }
        while state.windows.count >= maxTenants,
            let oldest = state.windows.min(by: { $0.value.lastSeen < $1.value.lastSeen })
        {
            state.windows.removeValue(forKey: oldest.key)
        }
    }
}

extension InMemoryRateLimiter where C == ContinuousClock {
    /// Creates a limiter on the continuous clock.
    public convenience init(maxTenants: Int = 100_000) {
        self.init(maxTenants: maxTenants, clock: ContinuousClock())
    }
}
