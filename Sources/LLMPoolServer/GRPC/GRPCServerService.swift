import GRPCCore
import GRPCNIOTransportHTTP2
import LLMPoolCore
import Logging
import ServiceLifecycle

/// Runs the gRPC server as a `Service`: graceful shutdown stops accepting new RPCs and lets
/// running ones finish.
public struct GRPCServerService: Service {
    let host: String
    let port: Int
    let maxMessageBytes: Int
    let services: [any RegistrableRPCService]
    let logger: Logger
    let onListening: @Sendable (Int) async -> Void
    /// Run on every RPC before the services, in order (authentication, rate limits).
    public var interceptors: [any ServerInterceptor] = []

    /// Creates the service.
    public init(
        host: String,
        port: Int,
        maxMessageBytes: Int,
        services: [any RegistrableRPCService],
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.maxMessageBytes = maxMessageBytes
        self.services = services
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        // The transport can only reset a stream whose message is over its limit; messages up to
        // four times `server.max_body_bytes` reach the service, which answers RESOURCE_EXHAUSTED.
        let (limit, overflow) = maxMessageBytes.multipliedReportingOverflow(by: 4)
        config.rpc.maxRequestPayloadSize = overflow ? .max : max(limit, 4 << 20)
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: host, port: port),
            transportSecurity: .plaintext,
            config: config
        )
        let server = GRPCServer(transport: transport, services: services, interceptors: interceptors)
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await server.serve() }
                if let address = try await transport.listeningAddress.ipv4 {
                    logger.info("llm-pool gRPC listening", metadata: ["port": "\(address.port)"])
                    await onListening(address.port)
                }
            }
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}
