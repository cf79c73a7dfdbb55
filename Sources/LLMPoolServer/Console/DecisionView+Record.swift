import Foundation
import LLMPoolCore
import LLMPoolObservability

extension DecisionView {
    /// The view of a recorded decision, read at `now` (wall clock `wallNow`), its trace linked
    /// through `link` (`console.trace_link`) when there is one.
    init(_ record: RecentDecision, now: ContinuousClock.Instant, wallNow: Date, link: String?) {
        let ago = max(0, record.at.duration(to: now).fractionalMilliseconds)
        let traceID = record.traceID?.hex
        let decision = record.decision
        self.init(
            sequence: record.sequence,
            at: ConsoleStateBuilder.iso8601(wallNow.addingTimeInterval(-ago / 1000)),
            agoMs: ago.rounded(),
            requestId: record.requestID,
            traceId: traceID,
            traceUrl: traceID.flatMap { id in
                link.map { $0.replacingOccurrences(of: ConsoleConfiguration.traceIDPlaceholder, with: id) }
            },
            api: record.api.rawValue,
            task: record.task,
            strategy: record.strategy,
            stream: record.streaming,
            code: record.code,
            error: record.error,
            latencyMs: (record.latency.fractionalMilliseconds * 100).rounded() / 100,
            winner: decision.flatMap { $0.winner.isEmpty ? nil : $0.winner },
            model: record.model,
            reason: decision.flatMap { $0.reason.isEmpty ? nil : $0.reason },
            hedgesFired: decision?.hedgesFired ?? 0,
            cached: record.cached,
            candidates: (decision?.candidates ?? []).map {
                Candidate(
                    provider: $0.provider,
                    model: $0.model,
                    outcome: $0.outcome.rawValue,
                    latencyMs: ($0.latency.fractionalMilliseconds * 100).rounded() / 100,
                    error: $0.error
                )
            },
            input: record.input
        )
    }
}
