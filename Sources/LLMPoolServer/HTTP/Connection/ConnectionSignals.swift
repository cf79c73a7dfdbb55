import NIOCore
import Synchronization

/// The ``Latch`` of every open HTTP connection, fired when its client leaves (the connection
/// closes, or its input does). ``ConnectionGuardHandler`` registers each connection; a request's
/// ``PoolRequestContext`` finds its own by channel, so the ``Gateway`` can cancel the work of a
/// request whose client is gone, even while the upstream is silent and nothing is written.
enum ConnectionSignals {
    private static let latches = Mutex<[ObjectIdentifier: Latch]>([:])

    /// Registers a connection; returns its latch.
    static func register(_ channel: any Channel) -> Latch {
        let latch = Latch()
        latches.withLock { $0[ObjectIdentifier(channel)] = latch }
        return latch
    }

    /// Forgets a connection.
    static func unregister(_ channel: any Channel) {
        _ = latches.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// The latch of an open connection; `nil` for a channel no guard handler watches.
    static func latch(for channel: any Channel) -> Latch? {
        latches.withLock { $0[ObjectIdentifier(channel)] }
    }
}
