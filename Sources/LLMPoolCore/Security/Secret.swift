/// A secret read from the environment or a file: an HMAC key or a JWT signing secret.
///
/// Printing, dumping or logging a configuration never shows the value: `description`,
/// `debugDescription` and the mirror all read `<redacted>`.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret's bytes (UTF-8 of the text it was read from).
    public let bytes: [UInt8]

    /// Creates a secret from its text.
    public init(_ text: String) {
        self.bytes = Array(text.utf8)
    }

    /// Creates a secret from raw bytes.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
