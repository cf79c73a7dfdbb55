import LLMPoolObservability
import Tracing

/// The hedges one request fired, settled once as `won` or `lost` in
/// `llm_pool_hedges_total{task,outcome}`: every `fired` hedge ends as exactly one of the two.
struct HedgeLedger {
    private let context: StrategyContext
    private var hedged: [Int] = []
    private var settled = false

    init(context: StrategyContext) {
        self.context = context
    }

    /// How many hedges were fired.
    var count: Int { hedged.count }

    /// Takes a hedge to the call at `index` from the budget: counts and traces it as `fired`, or
    /// as `budget_denied` and returns false.
    mutating func fire(_ index: Int, provider: any Provider, after elapsed: Duration) -> Bool {
        guard context.resilience.hedgeBudget.tryAcquire(ratio: context.hedging.budgetRatio) else {
            context.countHedge("budget_denied")
            context.event("hedge budget denied", ["llm_pool.provider": .string(provider.name)])
            return false
        }
        hedged.append(index)
        context.countHedge("fired")
        context.event(
            "hedge fired",
            ["llm_pool.provider": .string(provider.name), "llm_pool.hedge.after_ms": .int64(elapsed.milliseconds)]
        )
        return true
    }

    /// Counts each hedge fired as `won` (it is `winner`) or `lost`; later calls do nothing.
    mutating func settle(winner: Int?) {
        guard !settled else { return }
        settled = true
        for index in hedged {
            let won = index == winner
            context.countHedge(won ? "won" : "lost")
            if won { context.event("hedge won", ["llm_pool.hedge.index": .int64(Int64(index))]) }
        }
    }
}
