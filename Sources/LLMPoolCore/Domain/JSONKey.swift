/// A coding key for any member name: used to read the members of an object that a type does
/// not declare, and to write members known only at run time.
public struct JSONKey: CodingKey, Hashable, Sendable {
    /// The member name.
    public var stringValue: String
    /// Always `nil`: JSON members have names.
    public var intValue: Int? { nil }

    /// A key for a member name.
    public init(_ name: String) { stringValue = name }
    /// A key for a member name.
    public init(stringValue: String) { self.stringValue = stringValue }
    /// Never: JSON members have names.
    public init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer where Key == JSONKey {
    /// Every member not in `known`, as JSON values.
    /// - Throws: The decoder's error for a member that is not JSON (it always is, from JSON).
    public func members(except known: Set<String>) throws -> [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        for key in allKeys where !known.contains(key.stringValue) {
            members[key.stringValue] = try decode(JSONValue.self, forKey: key)
        }
        return members
    }
}

extension KeyedEncodingContainer where Key == JSONKey {
    /// Writes members, skipping those in `except`.
    /// - Throws: The encoder's error.
    public mutating func encode(members: [String: JSONValue], except skipped: Set<String> = []) throws {
        for (name, value) in members where !skipped.contains(name) {
            try encode(value, forKey: JSONKey(name))
        }
    }
}
