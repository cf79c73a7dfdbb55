import Foundation
import LLMPoolObservability

/// A log-normal latency distribution fitted to a median and a 99th percentile.
///
/// If `ln X ~ N(mu, sigma)`, the median is `e^mu` and the 99th percentile is `e^(mu + z·sigma)`
/// with `z = Φ⁻¹(0.99) ≈ 2.3263`, so `mu = ln p50` and `sigma = (ln p99 − ln p50) / z`.
struct LatencyModel: Sendable, Hashable {
    /// The standard normal quantile of 0.99.
    static let z99 = 2.326_347_874_040_841

    private let mu: Double
    private let sigma: Double
    /// Samples are clamped here so that one unlucky draw cannot stall a test: three times p99.
    private let ceiling: Double

    init(p50: Duration, p99: Duration) {
        let median = p50.seconds
        let tail = max(p99.seconds, median)
        if median <= 0 {
            (mu, sigma, ceiling) = (-.infinity, 0, 0)
        } else {
            mu = log(median)
            sigma = (log(tail) - log(median)) / Self.z99
            ceiling = 3 * tail
        }
    }

    /// Draws one latency.
    func sample(using generator: inout some RandomNumberGenerator) -> Duration {
        guard mu.isFinite else { return .zero }
        guard sigma > 0 else { return .seconds(exp(mu)) }
        // Box–Muller: one standard normal draw from two uniform ones.
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
        let u2 = Double.random(in: 0..<1, using: &generator)
        let normal = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        return .seconds(min(exp(mu + sigma * normal), ceiling))
    }
}

extension Duration {
    /// The duration multiplied by a non-negative factor.
    func scaled(by factor: Double) -> Duration {
        factor == 1 ? self : .seconds(seconds * max(factor, 0))
    }
}
