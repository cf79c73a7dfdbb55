extension Duration {
    /// The duration in seconds, with its fraction: the unit of Prometheus histograms and of
    /// OpenTelemetry's `gen_ai.client.operation.duration`.
    @inlinable
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The duration in milliseconds, with its fraction: latencies in answers and log lines.
    @inlinable
    public var fractionalMilliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    /// The duration in whole milliseconds, truncated toward zero: configuration keys ending in
    /// `_ms` and messages.
    @inlinable
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The duration in whole milliseconds, rounded up: for TTLs and `Retry-After`-style values,
    /// where a wait of 0.2 ms must not become 0.
    @inlinable
    public var millisecondsRoundedUp: Int64 {
        let (seconds, attoseconds) = components
        let remainder = attoseconds % 1_000_000_000_000_000
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000 + (remainder > 0 ? 1 : 0)
    }

    /// The duration in whole nanoseconds, truncated toward zero; saturates at `Int64.min` and
    /// `Int64.max` (about 292 years) instead of trapping, so time-slice arithmetic on any instant
    /// a clock can return is safe.
    @inlinable
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, carry) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        guard !overflow, !carry else { return seconds < 0 ? .min : .max }
        return total
    }
}
