/// `[console]`: the live console (`GET /console`) and its JSON (`/v1/admin/state`,
/// `/v1/admin/decisions`, `/v1/admin/events`).
public struct ConsoleConfiguration: Sendable, Hashable {
    /// Whether the console and its admin endpoints are served (protected like `/metrics`, by
    /// `security.protect_metrics`). Default true. TOML `console.enabled`.
    public var enabled: Bool
    /// Whether recent decisions keep the request's input text. Default false: decisions never
    /// hold prompt text unless asked. TOML `console.show_inputs`.
    public var showInputs: Bool
    /// Recent decisions kept (a ring buffer; older ones are forgotten), 1…10,000. Default 200.
    /// TOML `console.decisions`.
    public var decisions: Int
    /// A link to a trace UI, with `{trace_id}` where the trace id goes
    /// (`http://jaeger:16686/trace/{trace_id}`); `nil` (the default) shows trace ids as text.
    /// TOML `console.trace_link`.
    public var traceLink: String?

    /// Creates a configuration.
    public init(enabled: Bool = true, showInputs: Bool = false, decisions: Int = 200, traceLink: String? = nil) {
        self.enabled = enabled
        self.showInputs = showInputs
        self.decisions = decisions
        self.traceLink = traceLink
    }

    /// On, no inputs, 200 decisions, no trace link.
    public static var defaults: ConsoleConfiguration { ConsoleConfiguration() }

    /// The placeholder a ``traceLink`` must contain.
    public static let traceIDPlaceholder = "{trace_id}"
}
