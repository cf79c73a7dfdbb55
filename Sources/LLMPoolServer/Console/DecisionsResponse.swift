/// `GET /v1/admin/decisions`: the recent decisions, newest first (JSON, snake_case keys).
public struct DecisionsResponse: Codable, Sendable, Hashable {
    /// The shape's version: 1.
    public var version: Int
    /// Decisions the ring keeps (`console.decisions`).
    public var capacity: Int
    /// Decisions recorded since start; the newest has this sequence number.
    public var total: UInt64
    /// Newest first.
    public var decisions: [DecisionView]
}
