import GRPCCore
import LLMPoolCore

extension PoolError {
    /// The gRPC status code for this error. The one place domain errors become gRPC statuses.
    public var grpcCode: RPCError.Code {
        switch code {
        case .invalidArgument, .contextLengthExceeded: return .invalidArgument
        case .payloadTooLarge: return .resourceExhausted  // as grpc-swift answers an oversized message
        case .notFound: return .notFound
        case .methodNotAllowed: return .unimplemented
        case .deadlineExceeded: return .deadlineExceeded
        case .unavailable, .upstreamFailed: return .unavailable
        case .resourceExhausted: return .resourceExhausted
        case .unauthenticated: return .unauthenticated
        case .permissionDenied: return .permissionDenied
        case .noConsensus: return .aborted
        case .cancelled: return .cancelled
        default: return .internalError
        }
    }

    /// The error as an `RPCError`; the domain code travels in the `llm-pool-error` trailer.
    public var rpcError: RPCError {
        RPCError(code: grpcCode, message: message, metadata: ["llm-pool-error": .string(code.description)])
    }

    /// Converts any error met while serving gRPC into an `RPCError`.
    static func rpcError(from error: any Error) -> RPCError {
        if let error = error as? RPCError { return error }
        if let error = error as? PoolError { return error.rpcError }
        if error is CancellationError { return RPCError(code: .cancelled, message: "request cancelled") }
        return RPCError(code: .internalError, message: "internal error")
    }
}
