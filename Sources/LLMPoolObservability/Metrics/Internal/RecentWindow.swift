/// How a histogram's recent window is cut into time slices, and the clock that says which slice
/// is current. Shared by every histogram of a registry.
struct RecentWindow: Sendable {
    let now: @Sendable () -> ContinuousClock.Instant
    let origin: ContinuousClock.Instant
    /// Width of one slice, in nanoseconds.
    let sliceNanoseconds: Int64
    /// Number of slices kept; the window is `slices × slice width`.
    let slices: Int

    init(window: Duration, slices: Int, now: @escaping @Sendable () -> ContinuousClock.Instant) {
        precondition(slices >= 1, "a recent window needs at least one slice")
        let nanoseconds = window.nanoseconds
        precondition(nanoseconds >= Int64(slices), "the recent window is too short for \(slices) slices")
        self.now = now
        self.origin = now()
        self.sliceNanoseconds = nanoseconds / Int64(slices)
        self.slices = slices
    }

    /// The index of the slice containing the current instant (monotonic, may be negative when a
    /// test clock goes back before the registry was made).
    @inline(__always)
    func currentEpoch() -> Int64 {
        let elapsed = (now() - origin).nanoseconds
        let quotient = elapsed / sliceNanoseconds
        return elapsed % sliceNanoseconds < 0 ? quotient - 1 : quotient
    }

    /// How many slices, counting the current one, cover `window` (at least one, at most all).
    func sliceCount(covering window: Duration) -> Int {
        let nanoseconds = window.nanoseconds
        guard nanoseconds > 0 else { return 1 }
        let needed = (nanoseconds + sliceNanoseconds - 1) / sliceNanoseconds
        return Int(min(max(needed, 1), Int64(slices)))
    }
}
