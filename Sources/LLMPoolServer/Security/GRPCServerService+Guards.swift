extension GRPCServerService {
    /// This service with the interceptors of `guards` run before every RPC.
    public func guarded(by guards: RequestGuards) -> GRPCServerService {
        var service = self
        service.interceptors = guards.interceptors()
        return service
    }
}
