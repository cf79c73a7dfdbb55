import LLMPoolCore

extension HTTPServer {
    /// This server with `guards` run before its routes (fixed: no reload can swap them).
    public func guarded(by guards: RequestGuards) -> HTTPServer {
        guarded(by: GuardsHolder(guards, nonceStore: InMemoryNonceStore()))
    }

    /// The server with the guards in `holder` (swappable by a reload) installed before its routes.
    public func guarded(by holder: GuardsHolder) -> HTTPServer {
        var server = self
        server.guardsHolder = holder
        return server
    }
}
