extension HTTPServer {
    /// This server with `guards` installed before its routes; empty guards install nothing.
    public func guarded(by guards: RequestGuards) -> HTTPServer {
        var server = self
        server.guards = guards.isEmpty ? nil : guards
        return server
    }

    /// The server with the guards in `holder` (swappable by a reload) installed before its routes.
    public func guarded(by holder: GuardsHolder) -> HTTPServer {
        var server = self
        server.guardsHolder = holder
        return server
    }
}
