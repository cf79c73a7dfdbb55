import LLMPoolCore

extension GRPCServerService {
    /// This service with the interceptors of `guards` run before every RPC.
    public func guarded(by guards: RequestGuards) -> GRPCServerService {
        guarded(by: GuardsHolder(guards, nonceStore: InMemoryNonceStore()))
    }

    /// The service with the guards in `holder` (swappable by a reload) as its interceptor.
    public func guarded(by holder: GuardsHolder) -> GRPCServerService {
        var service = self
        service.interceptors = [GuardsInterceptor(holder: holder)]
        return service
    }
}
