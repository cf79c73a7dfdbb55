import CoreMetrics

/// swift-metrics `Counter` and `FloatingPointCounter` over a registry counter series.
final class RegistryCounterHandler: CounterHandler, FloatingPointCounterHandler {
    let series: CounterSeries

    init(series: CounterSeries) { self.series = series }

    func increment(by amount: Int64) {
        if amount > 0 { series.increment(by: Double(amount)) }
    }

    func increment(by amount: Double) {
        if amount > 0, amount.isFinite { series.increment(by: amount) }
    }

    func reset() { series.set(0) }
}

/// swift-metrics `Meter` and non-aggregating `Recorder` (`Gauge`) over a registry gauge series.
final class RegistryGaugeHandler: MeterHandler, RecorderHandler {
    let series: GaugeSeries

    init(series: GaugeSeries) { self.series = series }

    func set(_ value: Int64) { series.set(Double(value)) }
    func set(_ value: Double) { series.set(value) }
    func increment(by amount: Double) { series.increment(by: amount) }
    func decrement(by amount: Double) { series.decrement(by: amount) }
    func record(_ value: Int64) { series.set(Double(value)) }
    func record(_ value: Double) { series.set(value) }
}

/// swift-metrics aggregating `Recorder` and `Timer` (nanoseconds, recorded in seconds) over a
/// registry histogram series.
final class RegistryHistogramHandler: RecorderHandler, TimerHandler {
    let series: HistogramSeries

    init(series: HistogramSeries) { self.series = series }

    func record(_ value: Int64) { series.observe(Double(value)) }
    func record(_ value: Double) { if !value.isNaN { series.observe(value) } }
    func recordNanoseconds(_ duration: Int64) { series.observe(Double(duration) / 1_000_000_000) }
}
