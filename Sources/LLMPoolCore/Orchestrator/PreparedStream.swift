/// A request to be streamed, validated and routed by ``Orchestrator/prepareStream(_:)`` on the
/// configuration generation it started on, not yet started.
public struct PreparedStream: Sendable {
    /// The request.
    public let request: InferenceRequest
    let generation: Generation
    let prepared: PreparedRequest
}
