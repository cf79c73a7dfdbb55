import Foundation

/// Where a ``RedisClient`` connects and how patient it is.
///
/// Built from a URL of the form `redis://[[user]:password@]host[:port][/db]`:
///
/// ```swift
/// var configuration = try RedisConfiguration(url: "redis://:s3cret@127.0.0.1:6379/0")
/// configuration.commandTimeout = .milliseconds(200)
/// ```
public struct RedisConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// Host name or IP address of the server. Default `127.0.0.1`; from the URL.
    public var host: String
    /// TCP port. Default `6379`; from the URL.
    public var port: Int
    /// Database index sent with `SELECT` when it is not 0. Default `0`; the URL's path.
    public var database: Int
    /// ACL user name sent with `AUTH`, if any. Default none; the URL's user.
    public var username: String?
    /// Password sent with `AUTH`, if any. Default none; the URL's password.
    public var password: String?
    /// Connections kept open; commands are pipelined on them round robin. Default `4`;
    /// TOML `pool_size`.
    public var poolSize: Int
    /// How long opening a TCP connection may take (`AUTH` and `SELECT` then have the command
    /// timeout each). Default 1 s; TOML `connect_timeout_ms`.
    public var connectTimeout: Duration
    /// How long a command may wait for its reply before it fails and its connection closes.
    /// Default 500 ms; TOML `command_timeout_ms`.
    public var commandTimeout: Duration
    /// Prepended to every key written by the Redis-backed stores. Default `llm-pool:`;
    /// TOML `key_prefix`.
    public var keyPrefix: String

    /// A local server on the default port, database 0, no password.
    public static var defaults: RedisConfiguration {
        RedisConfiguration(
            host: "127.0.0.1",
            port: 6379,
            database: 0,
            username: nil,
            password: nil,
            poolSize: 4,
            connectTimeout: .seconds(1),
            commandTimeout: .milliseconds(500),
            keyPrefix: "llm-pool:"
        )
    }

    private init(
        host: String,
        port: Int,
        database: Int,
        username: String?,
        password: String?,
        poolSize: Int,
        connectTimeout: Duration,
        commandTimeout: Duration,
        keyPrefix: String
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.keyPrefix = keyPrefix
    }

    /// Parses a `redis://` URL; every other setting takes its default.
    /// - Parameter url: `redis://[[user]:password@]host[:port][/db]`; user and password may be
    ///   percent-encoded.
    /// - Throws: ``RedisError`` with code ``RedisError/Code/invalidConfiguration`` naming what is wrong.
    public init(url: String) throws(RedisError) {
        self = .defaults
        func invalid(_ reason: String) -> RedisError {
            RedisError(code: .invalidConfiguration, message: "invalid redis URL '\(Self.redact(url))': \(reason)")
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme else {
            throw invalid("expected redis://[[user]:password@]host[:port][/db]")
        }
        guard scheme.lowercased() == "redis" else {
            throw invalid("scheme must be redis:// (TLS via rediss:// is not supported)")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("missing host") }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let port = components.port {
            guard (1...65_535).contains(port) else { throw invalid("port must be in 1...65535") }
            self.port = port
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        if !path.isEmpty {
            guard let database = Int(path), database >= 0 else {
                throw invalid("the path must be a database number such as /0")
            }
            self.database = database
        }
        guard components.query == nil, components.fragment == nil else {
            throw invalid("query parameters and fragments are not supported")
        }
        if let user = components.user, !user.isEmpty { self.username = user }
        if let password = components.password, !password.isEmpty { self.password = password }
        if username != nil, password == nil {
            throw invalid("a user name needs a password (redis://user:password@host)")
        }
    }

    /// The URL with the password hidden, for logs.
    public var description: String {
        var credentials = ""
        if password != nil { credentials = "\(username ?? ""):***@" }
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "redis://\(credentials)\(host):\(port)/\(database)"
    }

    /// Hides the password of a URL that may not parse.
    private static func redact(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let schemeEnd = url.range(of: "://")?.upperBound, schemeEnd <= at else {
            return url
        }
        let userInfo = url[schemeEnd..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
