import Synchronization

/// An in-process LRU cache bounded by entries and bytes, with a time to live.
///
/// Lookups and inserts are O(1): a dictionary of nodes threaded on a doubly linked list (by key),
/// under one `Mutex` held only for pointer updates.
public final class InMemoryAnswerCache: AnswerCache {
    private struct Node {
        var value: CachedAnswer
        var expires: ContinuousClock.Instant
        var prev: CacheKey?
        var next: CacheKey?
    }

    private struct State {
        var nodes: [CacheKey: Node] = [:]
        var head: CacheKey?  // most recently used
        var tail: CacheKey?  // least recently used
        var bytes = 0

        mutating func unlink(_ key: CacheKey) {
            guard let node = nodes[key] else { return }
            if let prev = node.prev { nodes[prev]?.next = node.next } else { head = node.next }
            if let next = node.next { nodes[next]?.prev = node.prev } else { tail = node.prev }
            nodes[key]?.prev = nil
            nodes[key]?.next = nil
        }

        mutating func pushFront(_ key: CacheKey) {
            nodes[key]?.next = head
            nodes[key]?.prev = nil
            if let head { nodes[head]?.prev = key }
            head = key
            if tail == nil { tail = key }
        }

        mutating func remove(_ key: CacheKey) {
            unlink(key)
            if let node = nodes.removeValue(forKey: key) { bytes -= node.value.byteSize }
        }
    }

    public let backend = "memory"
    private let capacity: Int
    private let maxBytes: Int
    private let ttl: Duration
    private let clock: ContinuousClock
    private let state = Mutex(State())

    /// Creates a cache.
    /// - Parameters:
    ///   - capacity: Most entries kept.
    ///   - maxBytes: Most bytes of answers kept.
    ///   - ttl: How long an entry stays fresh.
    public init(capacity: Int, maxBytes: Int = .max, ttl: Duration, clock: ContinuousClock = .init()) {
        self.capacity = max(1, capacity)
        self.maxBytes = maxBytes
        self.ttl = ttl
        self.clock = clock
    }

    /// Creates a cache from `[cache]` configuration.
    public convenience init(configuration: CacheConfiguration) {
        self.init(capacity: configuration.capacity, maxBytes: configuration.maxBytes, ttl: configuration.ttl)
    }

    /// The number of entries held.
    public var count: Int { state.withLock { $0.nodes.count } }

    public func get(_ key: CacheKey) async -> CachedAnswer? {
        let now = clock.now
        return state.withLock { state in
            guard let node = state.nodes[key] else { return nil }
            if node.expires <= now {
                state.remove(key)
                return nil
            }
            state.unlink(key)
            state.pushFront(key)
            return node.value
        }
    }

    public func set(_ key: CacheKey, _ value: CachedAnswer) async {
        let expires = clock.now.advanced(by: ttl)
        guard value.byteSize <= maxBytes else { return }
        state.withLock { state in
            state.remove(key)
            state.nodes[key] = Node(value: value, expires: expires)
            state.bytes += value.byteSize
            state.pushFront(key)
            while state.nodes.count > capacity || state.bytes > maxBytes, let tail = state.tail {
                state.remove(tail)
            }
        }
    }
}
