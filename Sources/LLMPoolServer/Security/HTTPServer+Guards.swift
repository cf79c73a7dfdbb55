extension HTTPServer {
    /// This server with `guards` installed before its routes; empty guards install nothing.
    public func guarded(by guards: RequestGuards) -> HTTPServer {
        var server = self
        server.guards = guards.isEmpty ? nil : guards
        return server
    }
}
