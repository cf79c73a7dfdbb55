import Foundation

/// Base-URL handling shared by the providers.
enum ProviderURL {
    /// The base URL without trailing slashes.
    static func trimmed(_ baseURL: String) -> String {
        var url = baseURL.trimmingCharacters(in: .whitespaces)
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// The host of a base URL (`127.0.0.1`), used as `server.address`; the URL itself when it has none.
    static func host(of baseURL: String) -> String {
        URLComponents(string: baseURL)?.host ?? baseURL
    }
}
