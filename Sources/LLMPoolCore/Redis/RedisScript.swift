import Crypto
import Foundation
import LLMPoolObservability

/// A Lua script run with ``RedisClient/eval(_:keys:arguments:)``, with its SHA-1 digest computed
/// once so that calls can use `EVALSHA`.
public struct RedisScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String
    /// The lowercase hex SHA-1 of ``source``, as Redis names cached scripts.
    public let sha1: String

    /// Creates a script from its Lua source.
    public init(_ source: String) {
        self.source = source
        self.sha1 = Hex.encode(Insecure.SHA1.hash(data: Data(source.utf8)))
    }
}
