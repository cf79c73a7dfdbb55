import LLMPoolCore
import Testing

@Suite("Hedge and retry budgets")
struct BudgetTests {
    @Test("hedges stay within budget_ratio of requests, with a floor of one per window")
    func hedgeRatio() {
        let time = ManualTime()
        let budget = HedgeBudget(window: .seconds(10), minimumPerWindow: 1, now: time.source)
        budget.recordRequest()
        #expect(budget.tryAcquire(ratio: 0.1), "the floor lets a quiet pool hedge")
        #expect(!budget.tryAcquire(ratio: 0.1))
        for _ in 0..<99 { budget.recordRequest() }
        // 100 requests at 10 %: 10 hedges in all, one of them already taken.
        var granted = 0
        for _ in 0..<50 where budget.tryAcquire(ratio: 0.1) { granted += 1 }
        #expect(granted == 9)
        #expect(budget.usage.requests == 100 && budget.usage.hedges == 10)
    }

    @Test("the hedge budget refills as the window slides")
    func hedgeWindow() {
        let time = ManualTime()
        let budget = HedgeBudget(window: .seconds(10), minimumPerWindow: 0, now: time.source)
        for _ in 0..<20 { budget.recordRequest() }
        #expect(budget.tryAcquire(ratio: 0.1) && budget.tryAcquire(ratio: 0.1))
        #expect(!budget.tryAcquire(ratio: 0.1))
        time.advance(by: .seconds(11))
        #expect(!budget.tryAcquire(ratio: 0.1), "no requests in the new window, no floor")
        for _ in 0..<10 { budget.recordRequest() }
        #expect(budget.tryAcquire(ratio: 0.1))
    }

    @Test("retries stay within budget_ratio of requests plus min_retries_per_second × window")
    func retryRatio() {
        let time = ManualTime()
        let budget = RetryBudget(window: .seconds(10), now: time.source)
        let configuration = RetryConfiguration(budgetRatio: 0.2, minRetriesPerSecond: 0.5, maxAttempts: 3)
        // Floor: 0.5/s × 10 s = 5 retries with no traffic at all.
        var granted = 0
        for _ in 0..<20 where budget.tryAcquire(configuration) { granted += 1 }
        #expect(granted == 5)
        for _ in 0..<50 { budget.recordRequest() }
        granted = 0
        for _ in 0..<50 where budget.tryAcquire(configuration) { granted += 1 }
        #expect(granted == 10, "20 % of 50 requests")
        time.advance(by: .seconds(11))
        granted = 0
        for _ in 0..<50 where budget.tryAcquire(configuration) { granted += 1 }
        #expect(granted == 5, "the window slid: only the floor is left")
    }
}
