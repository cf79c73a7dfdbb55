/// The burn-rate thresholds of the shipped alerts (`deploy/prometheus/rules/alerts.yml`), for the
/// windows the pool computes in-process (5m, 30m, 1h, 6h): the console compares each window's
/// burn rate with the threshold the alert applies to it.
///
/// The page alert fires at 14.4× over 1h and 5m, or 6× over 6h and 30m; the ticket alert's
/// windows (1d/2h at 3×, 3d/6h at 1×) are longer than the pool keeps, except 6h, whose page
/// threshold is shown.
enum BurnRateAlerts {
    struct Threshold: Sendable, Hashable {
        var burnRate: Double
        var alert: String
        var severity: String
    }

    static let fastBurn = "LLMPoolErrorBudgetFastBurn"

    /// The threshold for a window label of `SLOTracker.windows`.
    static func threshold(window: String) -> Threshold {
        switch window {
        case "5m", "1h": Threshold(burnRate: 14.4, alert: fastBurn, severity: "page")
        default: Threshold(burnRate: 6, alert: fastBurn, severity: "page")
        }
    }
}
