import LLMPoolObservability
import Testing

@Suite("Duration units")
struct DurationUnitsTests {
    @Test(
        "whole milliseconds truncate toward zero; rounded up, any fraction counts",
        arguments: [
            (Duration.zero, 0, 0),
            (.milliseconds(1500), 1500, 1500),
            (.microseconds(200), 0, 1),
            (.nanoseconds(1_000_001), 1, 2),
            (.seconds(2) + .nanoseconds(1), 2000, 2001),
            (.milliseconds(-1500), -1500, -1500),
            (.microseconds(-200), 0, 0),
        ] as [(Duration, Int64, Int64)]
    )
    func milliseconds(duration: Duration, truncated: Int64, roundedUp: Int64) {
        #expect(duration.milliseconds == truncated)
        #expect(duration.millisecondsRoundedUp == roundedUp)
    }

    @Test("fractional seconds and milliseconds")
    func fractions() {
        #expect(Duration.milliseconds(1500).seconds == 1.5)
        #expect(Duration.microseconds(2500).fractionalMilliseconds == 2.5)
        #expect(Duration.seconds(-3).seconds == -3)
    }

    @Test("nanoseconds are exact in range and saturate outside it")
    func nanoseconds() {
        #expect(Duration.seconds(3).nanoseconds == 3_000_000_000)
        #expect((Duration.seconds(1) + .nanoseconds(7)).nanoseconds == 1_000_000_007)
        #expect(Duration.nanoseconds(-5).nanoseconds == -5)
        #expect(Duration.seconds(Int64.max / 1_000_000_000 + 1).nanoseconds == .max)
        #expect(Duration.seconds(Int64.min / 1_000_000_000 - 1).nanoseconds == .min)
    }
}
