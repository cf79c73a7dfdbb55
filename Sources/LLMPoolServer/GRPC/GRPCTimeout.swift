import GRPCCore

/// Parses the `grpc-timeout` header (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md):
/// at most 8 digits and a unit, `H`, `M`, `S`, `m`, `u` or `n`.
enum GRPCTimeout {
    static func parse(_ metadata: Metadata) -> Duration? {
        guard let value = metadata["grpc-timeout"].first(where: { _ in true }), case .string(let text) = value else {
            return nil
        }
        guard let unit = text.last, let amount = Int64(text.dropLast()), amount >= 0 else { return nil }
        switch unit {
        case "H": return .seconds(amount * 3600)
        case "M": return .seconds(amount * 60)
        case "S": return .seconds(amount)
        case "m": return .milliseconds(amount)
        case "u": return .microseconds(amount)
        case "n": return .nanoseconds(amount)
        default: return nil
        }
    }
}
